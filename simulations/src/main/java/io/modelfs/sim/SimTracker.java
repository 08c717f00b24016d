package io.modelfs.sim;

import io.modelfs.core.Digest;
import io.modelfs.schedule.lease.Availability;
import io.modelfs.schedule.lease.LeasePacing;
import io.modelfs.schedule.lease.LeasePolicy;
import io.modelfs.schedule.lease.LeaseTable;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The tracker as the simulated nodes see it, for one model: the tracker's own soft state — its
 * {@link Availability} and {@link LeaseTable} with the scenario's {@link LeasePolicy}, so every
 * lease decision is the real tracker's — plus what the real one answers through neighbour lists:
 * a few sample holders per chunk, to connect a node to. Round trips are the caller's business;
 * this is the leader's state, applied when a message arrives. Like the real tracker it forgets a
 * crashed node only after its node timeout, and its leases lapse after the TTL.
 */
final class SimTracker {
  private static final int SAMPLES = 4;

  private final Digest model;
  private final int chunkCount;
  private final Availability availability = new Availability();
  private final LeaseTable leases;
  private final LeasePacing pacing;
  private final int[][] sample;
  private final List<Integer> members = new ArrayList<>();
  private final boolean[] member;

  SimTracker(Digest model, int chunks, int nodes, LeasePolicy policy) {
    this.model = model;
    this.chunkCount = chunks;
    this.leases = new LeaseTable(policy);
    this.pacing = LeasePacing.of(policy);
    this.sample = new int[chunks][];
    this.member = new boolean[nodes];
  }

  /** The leader's next-ask interval for lease answers now (issue 7), the members counting as the fleet. */
  long nextAskMillis() {
    return pacing.intervalMillis(members.size());
  }

  void join(SimNode n) {
    if (!member[n.index]) {
      member[n.index] = true;
      members.add(n.index);
    }
  }

  /** The node announced a verified chunk: it is on a peer now, so its lease (if any) ends. */
  void announce(SimNode n, int chunk, long nowMillis) {
    if (!member[n.index]) {
      return;
    }
    leases.renew(n.id, nowMillis);
    availability.apply(n.id, model, chunkCount, null, List.of(chunk), List.of()).stream()
        .forEach(c -> leases.chunkAppeared(model, c));
    int[] s = sample[chunk];
    if (s == null) {
      s = sample[chunk] = new int[SAMPLES + 1];
    }
    if (s[0] < SAMPLES) {
      s[++s[0]] = n.index;
    } else {
      s[1 + availability.holders(model, chunk) % SAMPLES] = n.index; // rotate, so later holders get asked too
    }
  }

  /**
   * As the real tracker's lease call: give back {@code released}, then decide on {@code chunks},
   * leasing those in {@code unreachable} (the node reached no holder of them) like free ones.
   */
  LeaseTable.Decision lease(SimNode n, List<Integer> chunks, java.util.Set<Integer> unreachable, List<Integer> released,
      long nowMillis) {
    for (int c : released) {
      leases.release(n.id, model, c);
    }
    join(n); // asking makes it a member
    boolean only = members.size() == 1;
    return leases.request(n.id, model, chunks, unreachable::contains, only, c -> availability.held(model, c), nowMillis);
  }

  /** Forgets a node (graceful leave, or its node timeout after a crash): holdings and leases. */
  void forget(SimNode n, BitSet held) {
    if (!member[n.index]) {
      return;
    }
    member[n.index] = false;
    members.remove(Integer.valueOf(n.index));
    for (int c = held.nextSetBit(0); c >= 0; c = held.nextSetBit(c + 1)) {
      int[] s = sample[c];
      if (s != null) {
        for (int k = 1; k <= s[0]; k++) {
          if (s[k] == n.index) {
            s[k] = s[s[0]--];
            break;
          }
        }
      }
    }
    availability.removeNode(n.id);
    leases.removeNode(n.id);
  }

  /** A few nodes known to hold {@code chunk} (indices), possibly none. */
  int[] someHolders(int chunk) {
    int[] s = sample[chunk];
    return s == null ? new int[0] : java.util.Arrays.copyOfRange(s, 1, 1 + s[0]);
  }

  /** Up to {@code k} random members other than {@code self}, as the tracker's neighbour list. */
  List<Integer> neighbours(int self, int k, SplittableRandom rnd) {
    List<Integer> out = new ArrayList<>(k);
    int n = members.size();
    if (n <= k + 1) {
      for (int m : members) {
        if (m != self) {
          out.add(m);
        }
      }
      return out;
    }
    BitSet picked = new BitSet();
    for (int tries = 0; out.size() < k && tries < 4 * k; tries++) {
      int m = members.get(rnd.nextInt(n));
      if (m != self && !picked.get(m)) {
        picked.set(m);
        out.add(m);
      }
    }
    return out;
  }
}
