package io.modelfs.schedule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.modelfs.core.Digest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/**
 * Property-style: a seeded, bounded stream of random events (outcomes good and bad, late outcomes
 * of cancelled fetches, lease answers, an unreachable tracker, peers announcing, dropping,
 * leaving and coming back, time passing, new wants and wants given up) drives one scheduler; every command is
 * checked as it is issued. Then the world turns healthy and every want must be verified.
 *
 * <p>Checked: no fetch of a held chunk; no second concurrent fetch of a chunk outside endgame and
 * never two from one source; no peer asked for a chunk it never announced; caps never exceeded;
 * a leased origin fetch only under a lease granted and not given back; every want verified in
 * bounded steps once sources work; after every step, each want the passes skip as asleep is one
 * they would try in vain ({@code SwarmScheduler.sleepersProblem}).
 */
class RandomEventsTest {
  private static final Digest MODEL = Digest.sha256("random-model".getBytes(StandardCharsets.UTF_8));
  private static final int CHUNKS = 24;
  private static final Failure[] PEER_FAILURES = {Failure.BUSY, Failure.NOT_FOUND, Failure.DISCONNECTED,
      Failure.STALLED, Failure.CORRUPT, Failure.LOCAL_ERROR};

  static Stream<Arguments> seeds() {
    return IntStream.range(0, 200).mapToObj(i -> Arguments.of(i, i % 2 == 0, i % 3 == 0 ? 0 : 3));
  }

  @ParameterizedTest(name = "seed {0} tracker={1} endgame={2}")
  @MethodSource("seeds")
  void randomEventsKeepTheInvariantsAndEveryWantIsEventuallyVerified(int seed, boolean tracker, int endgame) {
    SchedulerConfig cfg = new SchedulerConfig(4, 2, 2, seed % 5 == 0 ? 64L << 20 : 0, 4, 0,
        Duration.ofSeconds(10), Duration.ofSeconds(2), 3, endgame, 32L << 20);
    World w = new World(new Random(seed), cfg, tracker);
    for (int step = 0; step < 400; step++) {
      w.randomStep();
      String asleep = w.s.sleepersProblem(); // a want skipped by the passes must be one they would try in vain
      if (asleep != null) {
        fail("seed " + seed + " step " + step + ": " + asleep);
      }
    }
    w.heal();
    assertEquals(List.of(), w.violations, "seed " + seed);
    assertEquals(0, w.s.stats().wanted(), "seed " + seed + ": every want verified");
    for (int i : w.wanted) {
      assertTrue(w.s.holds(new ChunkId(MODEL, i)), "seed " + seed + " chunk " + i);
    }
  }

  /** The scheduler's environment: peers, a tracker, an origin, a clock; it checks every command. */
  private static final class World implements Actions {
    final Random rnd;
    final SchedulerConfig cfg;
    final boolean tracker;
    final SwarmScheduler s;
    long now = 1;
    final BitSet held = new BitSet();
    final Set<Integer> wanted = new HashSet<>();
    /** Peer id → the bits it announced (connected peers only). */
    final TreeMap<String, BitSet> peers = new TreeMap<>();
    final List<String[]> running = new ArrayList<>(); // {source, index}
    final List<String[]> late = new ArrayList<>();
    final List<List<Integer>> leaseRequests = new ArrayList<>();
    final Set<Integer> granted = new HashSet<>();
    final List<String> violations = new ArrayList<>();
    boolean healthy;

    World(Random rnd, SchedulerConfig cfg, boolean tracker) {
      this.rnd = rnd;
      this.cfg = cfg;
      this.tracker = tracker;
      this.s = new SwarmScheduler("self", cfg, () -> now, this, tracker);
      long[] sizes = new long[CHUNKS];
      java.util.Arrays.fill(sizes, 8L << 20);
      BitSet initially = new BitSet();
      for (int i = 0; i < CHUNKS; i++) {
        if (rnd.nextInt(6) == 0) {
          initially.set(i);
        }
      }
      held.or(initially);
      s.open(MODEL, sizes, initially);
      for (int p = 0; p < 3; p++) {
        connect("p" + p);
      }
    }

    void randomStep() {
      switch (rnd.nextInt(12)) {
        case 0, 1, 2 -> completeOne();
        case 3 -> lateOne();
        case 4, 5 -> answerLeases();
        case 6 -> {
          String p = somePeer();
          if (p != null) {
            int i = rnd.nextInt(CHUNKS);
            peers.get(p).set(i);
            s.have(p, new ChunkId(MODEL, i));
          }
        }
        case 7 -> {
          String p = somePeer();
          if (p != null && rnd.nextBoolean()) {
            int i = rnd.nextInt(CHUNKS);
            peers.get(p).clear(i);
            s.dropped(p, new ChunkId(MODEL, i));
          } else if (p != null) {
            lose(p);
          } else {
            connect("p" + rnd.nextInt(5));
          }
        }
        case 8 -> connect("p" + rnd.nextInt(5));
        case 9 -> advance(rnd.nextInt(3000));
        default -> {
          int i = rnd.nextInt(CHUNKS);
          if (rnd.nextInt(8) == 0) {
            s.unwant(new ChunkId(MODEL, i));
            wanted.remove(i);
          } else if (rnd.nextInt(4) == 0) {
            s.wantAll(MODEL, Need.PREFETCH);
            for (int j = held.nextClearBit(0); j < CHUNKS; j = held.nextClearBit(j + 1)) {
              wanted.add(j);
            }
          } else {
            Need need = Need.values()[rnd.nextInt(3)];
            s.want(new ChunkId(MODEL, i), need);
            if (!held.get(i)) {
              wanted.add(i);
            }
          }
        }
      }
    }

    /** Sources work from now on: fetches succeed, the tracker answers and grants, peers stay. */
    void heal() {
      healthy = true;
      for (int round = 0; round < 5_000 && s.stats().wanted() > 0; round++) {
        forgetStaleLate();
        while (!late.isEmpty()) {
          lateOne();
        }
        if (!running.isEmpty()) {
          completeOne();
        } else if (!leaseRequests.isEmpty()) {
          answerLeases();
        } else {
          long next = s.nextDeadline();
          if (next == Long.MAX_VALUE) {
            violations.add("stuck: " + s.stats().wanted() + " wanted, nothing outstanding and no deadline");
            return;
          }
          now = Math.max(now, next);
          s.tick();
        }
      }
      if (now > 3_600_000_000_000L) {
        violations.add("took more than an hour of simulated time: " + now);
      }
    }

    private void completeOne() {
      if (running.isEmpty()) {
        return;
      }
      String[] f = running.remove(rnd.nextInt(running.size()));
      ChunkId c = new ChunkId(MODEL, Integer.parseInt(f[1]));
      Source src = f[0].equals("origin") ? Source.ORIGIN : Source.peer(f[0]);
      if (healthy || rnd.nextInt(10) < 6) {
        held.set(c.index());
        s.chunkVerified(c, src);
      } else {
        Failure why = src instanceof Source.Origin ? Failure.ORIGIN_ERROR : PEER_FAILURES[rnd.nextInt(PEER_FAILURES.length)];
        if (why == Failure.NOT_FOUND && peers.containsKey(f[0])) {
          peers.get(f[0]).clear(c.index());
        }
        s.fetchFailed(c, src, why);
      }
    }

    /** The contract: an outcome after cancel (or a lost peer) comes within peerStall or never. */
    private void forgetStaleLate() {
      long stall = cfg.peerStall().toNanos();
      late.removeIf(f -> now - Long.parseLong(f[2]) >= stall);
    }

    private void lateOne() {
      forgetStaleLate();
      if (late.isEmpty()) {
        return;
      }
      String[] f = late.remove(rnd.nextInt(late.size()));
      ChunkId c = new ChunkId(MODEL, Integer.parseInt(f[1]));
      Source src = f[0].equals("origin") ? Source.ORIGIN : Source.peer(f[0]);
      if (rnd.nextBoolean()) {
        held.set(c.index());
        s.chunkVerified(c, src);
      } else {
        s.fetchFailed(c, src, Failure.DISCONNECTED);
      }
    }

    private void answerLeases() {
      if (leaseRequests.isEmpty()) {
        return;
      }
      List<Integer> req = leaseRequests.remove(0);
      if (!healthy && rnd.nextInt(6) == 0) {
        s.trackerUnavailable(MODEL);
        return;
      }
      List<Integer> grant = new ArrayList<>();
      List<Integer> onPeers = new ArrayList<>();
      List<Integer> busy = new ArrayList<>();
      for (int c : req) {
        boolean somewhere = peers.values().stream().anyMatch(b -> b.get(c));
        if (somewhere && (!healthy || rnd.nextBoolean())) {
          onPeers.add(c);
        } else if (healthy || rnd.nextBoolean()) {
          grant.add(c);
          granted.add(c);
        } else {
          busy.add(c);
        }
      }
      s.leaseAnswer(MODEL, grant, onPeers, busy);
    }

    private void advance(long millis) {
      now += millis * 1_000_000L;
      s.tick();
    }

    private String somePeer() {
      if (peers.isEmpty()) {
        return null;
      }
      List<String> ids = new ArrayList<>(peers.keySet());
      return ids.get(rnd.nextInt(ids.size()));
    }

    private void connect(String p) {
      if (peers.containsKey(p)) {
        lose(p);
      }
      BitSet b = new BitSet();
      for (int i = 0; i < CHUNKS; i++) {
        if (rnd.nextInt(3) == 0) {
          b.set(i);
        }
      }
      peers.put(p, b);
      s.peerConnected(p);
      s.have(p, MODEL, b);
    }

    private void lose(String p) {
      peers.remove(p);
      running.removeIf(f -> {
        if (f[0].equals(p)) {
          late.add(new String[] {f[0], f[1], Long.toString(now)});
          return true;
        }
        return false;
      });
      s.peerLost(p);
    }

    // ---- Actions: check, then record

    @Override
    public void fetchFromPeer(String peer, ChunkId chunk) {
      check(peer, chunk);
      BitSet b = peers.get(peer);
      if (b == null || !b.get(chunk.index())) {
        violations.add("asked peer " + peer + " for " + chunk + ", which it does not hold");
      }
      running.add(new String[] {peer, Integer.toString(chunk.index())});
    }

    @Override
    public void fetchFromOrigin(ChunkId chunk, boolean leased) {
      check("origin", chunk);
      if (leased && (!tracker || !granted.contains(chunk.index()))) {
        violations.add("leased origin fetch of " + chunk + " without a lease");
      }
      running.add(new String[] {"origin", Integer.toString(chunk.index())});
    }

    private void check(String source, ChunkId chunk) {
      String idx = Integer.toString(chunk.index());
      if (held.get(chunk.index())) {
        violations.add("fetch of held chunk " + chunk + " from " + source);
      }
      long same = running.stream().filter(f -> f[1].equals(idx)).count();
      if (running.stream().anyMatch(f -> f[1].equals(idx) && f[0].equals(source))) {
        violations.add("second concurrent fetch of " + chunk + " from " + source);
      }
      if (same > 0 && (cfg.endgameChunks() == 0 || s.stats().wanted() > cfg.endgameChunks() || same > 1)) {
        violations.add("concurrent fetch of " + chunk + " outside endgame (" + s.stats().wanted() + " wanted)");
      }
      if (running.size() + 1 > cfg.maxDownloads()) {
        violations.add("more than maxDownloads fetches");
      }
      long perSource = running.stream().filter(f -> f[0].equals(source)).count() + 1;
      if (!source.equals("origin") && perSource > cfg.maxPerPeer()) {
        violations.add("more than maxPerPeer fetches from " + source);
      }
      if (source.equals("origin") && perSource > cfg.maxOriginFetches()) {
        violations.add("more than maxOriginFetches origin fetches");
      }
      forgetStaleLate();
      if (late.stream().anyMatch(f -> f[1].equals(idx) && f[0].equals(source))) {
        violations.add("asked " + source + " again for " + chunk + " while a cancelled fetch of it may still report");
      }
    }

    @Override
    public void requestLeases(Digest model, List<Integer> chunks, List<Integer> released) {
      if (!tracker) {
        violations.add("lease request without a tracker");
      }
      if (chunks.size() > cfg.leaseBatch()) {
        violations.add("lease request of " + chunks.size() + " chunks, batch is " + cfg.leaseBatch());
      }
      granted.removeAll(released);
      leaseRequests.add(List.copyOf(chunks));
    }

    @Override
    public void cancel(Source from, ChunkId chunk) {
      String src = from instanceof Source.Peer p ? p.id() : "origin";
      String idx = Integer.toString(chunk.index());
      boolean found = running.removeIf(f -> {
        if (f[0].equals(src) && f[1].equals(idx)) {
          late.add(new String[] {f[0], f[1], Long.toString(now)});
          return true;
        }
        return false;
      });
      if (!found) {
        fail("cancel of a fetch that is not running: " + src + " " + chunk);
      }
    }
  }
}
