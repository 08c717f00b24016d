package io.modelfs.sim;

import java.util.Arrays;

/**
 * The approaches without a scheduler, as a fluid model: every node reads the whole model from
 * one server (an NFS-like filer, or object storage read directly), the server's aggregate
 * egress split max-min fairly among the active readers, each capped by its own intake and the
 * server's per-client limit. Rates are recomputed when a node joins, crashes or finishes; a
 * node starts after one request latency. No chunks, no scheduler: that is the point of these
 * baselines.
 */
final class FluidBaseline {
  private FluidBaseline() {}

  static RunResult run(String approach, Scenario s, Fleet f, double serverAggregate, double perClient, long latencyNanos,
      long bucketNanos, double lowerBound) {
    Scenario.Host host = s.nodes().host();
    if (host.shared()) {
      // One machine runs the server and every reader: together they take in no more than its CPU gives.
      serverAggregate = Math.min(serverAggregate, host.cores() / (host.cpuPerByte() + host.originCpuPerByte()));
    }
    int n = f.size;
    double size = s.modelBytes();
    double[] remaining = new double[n];
    double[] rate = new double[n];
    boolean[] active = new boolean[n];
    boolean[] over = new boolean[n];
    double[] ready = new double[n];
    Arrays.fill(remaining, size);
    Arrays.fill(ready, Double.NaN);
    Series egress = new Series(bucketNanos);
    double t = 0;
    double limit = Double.POSITIVE_INFINITY; // cheap to run to the end, however slow the server: events <= 3 per node
    while (true) {
      boolean anyLeft = false;
      for (int i = 0; i < n; i++) {
        if (over[i]) {
          continue;
        }
        if (f.leaveAt[i] >= 0 && f.leaveAt[i] / 1e9 <= t) {
          over[i] = true;
          active[i] = false;
        } else if (active[i] && remaining[i] < 1) { // less than a byte left: rounding, not data
          over[i] = true;
          active[i] = false;
          ready[i] = t;
        } else {
          active[i] |= start(f, i, latencyNanos) <= t;
          anyLeft |= f.leaveAt[i] < 0;
        }
      }
      if (!anyLeft || t >= limit) {
        break;
      }
      share(f, serverAggregate, perClient, active, rate);
      // Next change: a start, a crash, or the first finish at the current rates.
      double next = limit;
      for (int i = 0; i < n; i++) {
        if (over[i]) {
          continue;
        }
        if (!active[i]) {
          next = Math.min(next, start(f, i, latencyNanos));
        }
        if (f.leaveAt[i] >= 0) {
          next = Math.min(next, f.leaveAt[i] / 1e9);
        }
        if (active[i] && rate[i] > 0) {
          next = Math.min(next, t + remaining[i] / rate[i]);
        }
      }
      if (Double.isInfinite(next)) {
        break; // nothing can change any more (cannot happen with a positive capacity; never spin)
      }
      next = Math.max(next, Math.nextUp(t)); // always advance, even when rounding says the finish is now
      double moved = 0;
      for (int i = 0; i < n; i++) {
        if (active[i]) {
          double d = Math.min(remaining[i], rate[i] * (next - t));
          remaining[i] -= d;
          moved += d;
        }
      }
      egress.add((long) (t * 1e9), (long) (next * 1e9), moved);
      t = next;
    }
    double[] stayers = new double[f.stayers()];
    int k = 0;
    for (int i = 0; i < n; i++) {
      if (f.leaveAt[i] < 0) {
        stayers[k++] = ready[i];
      }
    }
    return new RunResult(approach, n, stayers, egress.total(), size, lowerBound, egress, egress, 0, 0, "fluid model");
  }

  private static double start(Fleet f, int i, long latencyNanos) {
    return (f.joinAt[i] + latencyNanos) / 1e9;
  }

  /** Max-min fair split of {@code capacity} among the active nodes, each capped at min(intake, perClient). */
  static void share(Fleet f, double capacity, double perClient, boolean[] active, double[] rate) {
    int n = f.size;
    int count = 0;
    double[] caps = new double[n];
    Integer[] idx = new Integer[n];
    for (int i = 0; i < n; i++) {
      rate[i] = 0;
      if (active[i]) {
        caps[count] = Math.min(f.intake[i], perClient);
        idx[count] = i;
        count++;
      }
    }
    Integer[] order = Arrays.copyOf(idx, count);
    double[] c = caps;
    Integer[] byCap = new Integer[count];
    for (int j = 0; j < count; j++) {
      byCap[j] = j;
    }
    Arrays.sort(byCap, (a, b) -> Double.compare(c[a], c[b]));
    double left = capacity;
    for (int j = 0; j < count; j++) {
      int slot = byCap[j];
      double fair = left / (count - j);
      double r = Math.min(c[slot], fair);
      rate[order[slot]] = r;
      left -= r;
    }
  }
}
