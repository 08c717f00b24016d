package io.modelfs.schedule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.modelfs.core.Digest;
import io.modelfs.schedule.lease.Availability;
import io.modelfs.schedule.lease.LeasePolicy;
import io.modelfs.schedule.lease.LeaseTable;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashSet;
import java.util.List;
import java.util.PriorityQueue;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Several schedulers and the tracker's own lease logic ({@link LeaseTable}, {@link Availability})
 * in one discrete-event loop, with fixed latencies: a full mesh of nodes all pulling one model at
 * once. Checks the point of the scheduler end to end, without I/O: every node gets every chunk,
 * the origin serves about one copy, and a lease holder that dies mid-transfer is taken over.
 */
class SchedulersSwarmTest {
  private static final Digest MODEL = Digest.sha256("swarm".getBytes(StandardCharsets.UTF_8));
  private static final long MS = 1_000_000L;

  @Test
  void tenNodesPullingAtOnceFetchEachChunkFromTheOriginOnce() {
    Swarm w = new Swarm(10, 32, -1);
    w.run();
    w.assertEveryLiveNodeHoldsEverything();
    assertEquals(32, w.originFetches, "origin fetches");
    assertEquals(0, w.unleased, "unleased origin fetches");
    assertTrue(w.now < 30_000 * MS, "finished at " + w.now / MS + " ms");
  }

  @Test
  void aLeaseHolderThatDiesMidTransferIsTakenOverAndEveryoneElseFinishes() {
    Swarm w = new Swarm(10, 32, 150);
    w.run();
    w.assertEveryLiveNodeHoldsEverything();
    assertTrue(w.originFetches <= 32 + 8, "origin fetches " + w.originFetches + " for 32 chunks");
    // A chunk the dead node had verified and announced stays "on a peer" for the tracker (this one
    // never forgets the node); after a few lease answers the others flag it "holders unreachable"
    // and the tracker leases it to one of them, which the rest then fetch it from.
    assertEquals(0, w.unleased, "unleased origin fetches");
  }

  private static final class Swarm {
    private record Event(long at, long seq, Runnable run) {}

    final PriorityQueue<Event> agenda = new PriorityQueue<>((a, b) -> a.at != b.at ? Long.compare(a.at, b.at)
        : Long.compare(a.seq, b.seq));
    final LeaseTable leases = new LeaseTable(new LeasePolicy(10_000, 64, 4));
    final Availability availability = new Availability();
    final List<Node> nodes = new ArrayList<>();
    final int chunks;
    final long killAtMillis;
    long now;
    long seq;
    int originFetches;
    int unleased;

    Swarm(int n, int chunks, long killAtMillis) {
      this.chunks = chunks;
      this.killAtMillis = killAtMillis;
      SchedulerConfig cfg = new SchedulerConfig(8, 4, 4, 0, 8, 0, Duration.ofSeconds(10), Duration.ofSeconds(2), 8, 4,
          0);
      for (int i = 0; i < n; i++) {
        nodes.add(new Node(this, "n" + i, cfg));
      }
      long[] sizes = new long[chunks];
      java.util.Arrays.fill(sizes, 8L << 20);
      for (Node a : nodes) {
        a.s.open(MODEL, sizes, new BitSet());
        for (Node b : nodes) {
          if (a != b) {
            a.s.peerConnected(b.id);
            a.s.have(b.id, MODEL, new BitSet());
          }
        }
      }
      for (Node a : nodes) {
        a.s.wantAll(MODEL, Need.PREFETCH);
      }
    }

    void at(long delayMillis, Runnable r) {
      agenda.add(new Event(now + delayMillis * MS, seq++, r));
    }

    void run() {
      boolean killed = false;
      for (int steps = 0; steps < 200_000; steps++) {
        if (nodes.stream().allMatch(n -> !n.alive || n.held.cardinality() == chunks)) {
          return;
        }
        if (!killed && killAtMillis >= 0 && now >= killAtMillis * MS) {
          killed = true;
          kill();
        }
        long next = agenda.isEmpty() ? Long.MAX_VALUE : agenda.peek().at;
        Node ticking = null;
        for (Node n : nodes) {
          if (n.alive && n.s.nextDeadline() < next) {
            next = n.s.nextDeadline();
            ticking = n;
          }
        }
        if (next == Long.MAX_VALUE) {
          return;
        }
        now = Math.max(now, next);
        if (ticking != null) {
          ticking.s.tick();
        } else {
          agenda.poll().run.run();
        }
      }
    }

    /** The node holding the most leases dies; its peers notice 10 ms later; the tracker only by silence. */
    private void kill() {
      Node victim = nodes.stream().filter(n -> n.alive).max((a, b) -> Integer.compare(leases.heldBy(a.id),
          leases.heldBy(b.id))).orElseThrow();
      assertTrue(leases.heldBy(victim.id) > 0, "someone holds a lease at the kill");
      victim.alive = false;
      at(10, () -> nodes.stream().filter(n -> n.alive).forEach(n -> n.s.peerLost(victim.id)));
    }

    void verified(Node n, ChunkId c, Source from) {
      n.held.set(c.index());
      n.s.chunkVerified(c, from);
      availability.apply(n.id, MODEL, chunks, null, List.of(c.index()), List.of());
      leases.chunkAppeared(MODEL, c.index());
      at(10, () -> nodes.stream().filter(p -> p.alive && p != n).forEach(p -> p.s.have(n.id, c)));
    }

    void assertEveryLiveNodeHoldsEverything() {
      for (Node n : nodes) {
        if (n.alive) {
          assertEquals(chunks, n.held.cardinality(), "node " + n.id + " at " + now / MS + " ms: " + n.s.stats());
        }
      }
    }
  }

  private static final class Node implements Actions {
    final Swarm w;
    final String id;
    final SwarmScheduler s;
    final BitSet held = new BitSet();
    final Set<String> cancelled = new HashSet<>();
    boolean alive = true;

    Node(Swarm w, String id, SchedulerConfig cfg) {
      this.w = w;
      this.id = id;
      this.s = new SwarmScheduler(id, cfg, () -> w.now, this, true);
    }

    private Node peer(String id) {
      return w.nodes.stream().filter(n -> n.id.equals(id)).findFirst().orElseThrow();
    }

    private boolean stillWanted(Source from, ChunkId c) {
      return alive && !cancelled.remove(from + "/" + c.index());
    }

    @Override
    public void fetchFromPeer(String peer, ChunkId chunk) {
      Source from = Source.peer(peer);
      w.at(100, () -> {
        if (!stillWanted(from, chunk)) {
          return;
        }
        Node p = peer(peer);
        if (!p.alive) {
          s.fetchFailed(chunk, from, Failure.DISCONNECTED);
        } else if (!p.held.get(chunk.index())) {
          s.fetchFailed(chunk, from, Failure.NOT_FOUND);
        } else {
          w.verified(this, chunk, from);
        }
      });
    }

    @Override
    public void fetchFromOrigin(ChunkId chunk, boolean leased) {
      w.originFetches++;

      if (!leased) {
        w.unleased++;
      }
      w.at(200, () -> {
        if (stillWanted(Source.ORIGIN, chunk)) {
          w.verified(this, chunk, Source.ORIGIN);
        }
      });
    }

    @Override
    public void requestLeases(Digest model, List<Integer> chunks, List<Integer> released) {
      requestLeases(model, chunks, List.of(), released);
    }

    @Override
    public void requestLeases(Digest model, List<Integer> chunks, List<Integer> unreachable, List<Integer> released) {
      w.at(5, () -> {
        if (!alive) {
          return;
        }
        released.forEach(c -> w.leases.release(id, model, c));
        w.availability.apply(id, model, w.chunks, null, List.of(), List.of());
        boolean only = w.availability.members(model).size() == 1;
        LeaseTable.Decision d = w.leases.request(id, model, chunks, unreachable::contains, only, c -> w.availability.held(model, c),
            w.now / MS);
        w.at(5, () -> {
          if (alive) {
            s.leaseAnswer(model, d.granted(), d.onPeers(), d.busy());
          }
        });
      });
    }

    @Override
    public void cancel(Source from, ChunkId chunk) {
      cancelled.add(from + "/" + chunk.index());
    }
  }
}
