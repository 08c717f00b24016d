package io.modelfs.sim;

import java.util.SplittableRandom;

/**
 * The nodes of one run, drawn once from a scenario and a fleet size so the swarm, the baselines
 * and the lower bound all see the same machines: each node's intake (download link, capped by
 * its hashing throughput: the agent hashes while it streams), upload link, join time and crash
 * time (-1 = stays).
 */
final class Fleet {
  final int size;
  final double[] intake;
  final double[] up;
  final long[] joinAt;
  final long[] leaveAt;

  private Fleet(int size) {
    this.size = size;
    intake = new double[size];
    up = new double[size];
    joinAt = new long[size];
    leaveAt = new long[size];
  }

  static Fleet draw(Scenario s, int n) {
    Fleet f = new Fleet(n);
    SplittableRandom rnd = new SplittableRandom(s.seed() * 1_000_003L + n);
    int[] order = shuffled(n, rnd);
    int at = 0;
    var nics = s.nodes().nics();
    for (int c = 0; c < nics.size(); c++) {
      int count = c == nics.size() - 1 ? n - at : (int) Math.round(nics.get(c).weight() * n);
      for (int k = 0; k < count && at < n; k++, at++) {
        int i = order[at];
        f.intake[i] = Math.min(nics.get(c).down(), s.nodes().hashBytesPerSecond());
        f.up[i] = nics.get(c).up();
      }
    }
    int[] stragglers = shuffled(n, rnd);
    for (int k = 0; k < Math.min(s.straggler().count(), n); k++) {
      int i = stragglers[k];
      f.intake[i] = Math.min(f.intake[i], s.straggler().rate());
      f.up[i] = Math.min(f.up[i], s.straggler().rate());
    }
    // Churn: node 0 always starts at once and stays, so there is a swarm to join.
    int[] churn = shuffled(n, rnd);
    int late = (int) Math.round(s.churn().lateFraction() * n);
    int leave = (int) Math.round(s.churn().leaveFraction() * n);
    int k = 0;
    java.util.Arrays.fill(f.leaveAt, -1);
    for (int i : churn) {
      if (i == 0) {
        continue;
      }
      if (k < late) {
        f.joinAt[i] = (long) (rnd.nextDouble() * s.churn().joinWindowNanos());
      } else if (k < late + leave) {
        long span = s.churn().leaveToNanos() - s.churn().leaveFromNanos();
        f.leaveAt[i] = s.churn().leaveFromNanos() + (long) (rnd.nextDouble() * span);
      }
      k++;
    }
    return f;
  }

  /** Nodes that never crash: the ones whose completion counts. */
  int stayers() {
    int c = 0;
    for (long l : leaveAt) {
      if (l < 0) {
        c++;
      }
    }
    return c;
  }

  private static int[] shuffled(int n, SplittableRandom rnd) {
    int[] a = new int[n];
    for (int i = 0; i < n; i++) {
      a[i] = i;
    }
    for (int i = n - 1; i > 0; i--) {
      int j = rnd.nextInt(i + 1);
      int t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
    return a;
  }
}
