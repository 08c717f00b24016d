package io.modelfs.sim;

import io.modelfs.core.Digest;
import io.modelfs.schedule.ChunkId;
import io.modelfs.schedule.Failure;
import io.modelfs.schedule.Need;
import io.modelfs.schedule.Source;
import io.modelfs.schedule.SwarmScheduler;
import io.modelfs.schedule.lease.LeasePolicy;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * One run of the modelfs swarm: every node runs the agent's {@link io.modelfs.schedule.SwarmScheduler}
 * with the scenario's {@link io.modelfs.schedule.SchedulerConfig}; this class only plays what
 * the agent's I/O would do — carry fetch commands over the {@link FlowNetwork}, deliver
 * outcomes, HAVE announcements, bitfields and peer losses to the schedulers after the link's
 * latency, send lease requests to the {@link SimTracker} and its answers back after the
 * tracker's latency, tick each scheduler at its {@code nextDeadline}, and connect nodes to the
 * neighbours the tracker lists and to the holders a lease answer points at.
 *
 * <p>Design note: everything happens on the simulator's one thread, in time order; the
 * schedulers are never called from inside their own {@code Actions} (every command becomes an
 * event). A peer request reaches the peer half a round trip later, which refuses it (NOT_FOUND
 * when it does not hold the chunk, BUSY when the requester has 64 requests there already) or
 * queues it for an upload slot, as the agent's peer server does ({@link UploadSlots});
 * the last byte reaches the requester half a round trip after it left. An origin request waits
 * for the node's request-rate pacing and the origin's time to first byte. A crashed node's flows
 * stop at once, its neighbours get {@code peerLost} half a round trip later, and the tracker
 * forgets it only after its node timeout, as the real tracker does.
 */
final class SwarmRun {
  private static final long MIN_TICK_STEP = 1_000;
  private static final long PROGRESS_EVERY_NANOS = 60_000_000_000L;
  /** The agent's peer server: {@code PeerConfig.of}'s uploadSlotsPerPeer (capped at uploadSlots, as SwarmLink does). */
  static final int UPLOAD_SLOTS_PER_PEER = 4;
  /** The agent's peer server: {@code PeerConfig.of}'s maxQueuedPerPeer; one more request is refused BUSY. */
  static final int MAX_QUEUED_PER_PEER = 64;

  final Scenario s;
  final Fleet fleet;
  final Simulator sim = new Simulator();
  final FlowNetwork net;
  final Digest model;
  final ChunkId[] chunkIds;
  final long[] chunkSizes;
  final SimNode[] nodes;
  final Map<String, SimNode> byId = new HashMap<>();
  final Source[] sources;
  final SimTracker tracker;
  final Resource originAggregate;
  /** The one machine every node runs on (the in-process validation swarm), or null: separate machines. */
  final Resource host;
  final SplittableRandom rnd;
  final Series originSeries;
  final Series throughput;
  final long halfRtt;
  final long halfTracker;
  final int maxConnections;
  private double originBytes;
  private int stayersDone;
  /** Peer refusals by kind (BUSY, NOT_FOUND, DISCONNECTED), for the notes. */
  private final long[] refusals = new long[Failure.values().length];

  SwarmRun(Scenario s, Fleet fleet, long bucketNanos) {
    this.s = s;
    this.fleet = fleet;
    this.rnd = new SplittableRandom(s.seed());
    this.originSeries = new Series(bucketNanos);
    this.throughput = new Series(bucketNanos);
    this.net = new FlowNetwork(sim, this::moved);
    this.model = Digest.sha256(("modelfs simulation " + s.name() + " " + s.modelBytes()).getBytes(StandardCharsets.UTF_8));
    int chunks = s.chunkCount();
    chunkIds = new ChunkId[chunks];
    chunkSizes = new long[chunks];
    for (int c = 0; c < chunks; c++) {
      chunkIds[c] = new ChunkId(model, c);
      chunkSizes[c] = s.chunkSize(c);
    }
    nodes = new SimNode[fleet.size];
    sources = new Source[fleet.size];
    for (int i = 0; i < fleet.size; i++) {
      int slots = s.scheduler().uploadSlots();
      nodes[i] = new SimNode(i, fleet.intake[i], fleet.up[i], s.origin().perNode(),
          new UploadSlots(slots, Math.min(slots, UPLOAD_SLOTS_PER_PEER), MAX_QUEUED_PER_PEER,
              Math.max(1, slots / 2))); // waiting once every slot is busy, as UploadQueue.maxWaiting
      byId.put(nodes[i].id, nodes[i]);
      sources[i] = Source.peer(nodes[i].id);
    }
    tracker = new SimTracker(model, chunks, fleet.size,
        new LeasePolicy(s.tracker().leaseTtlNanos() / 1_000_000, s.tracker().originCap(), s.tracker().leaseBatch()));
    originAggregate = Double.isInfinite(s.origin().aggregate()) ? null : new Resource("origin", s.origin().aggregate());
    host = s.nodes().host().shared() ? new Resource("host cpu", s.nodes().host().cores(), true) : null;
    halfRtt = s.nodes().rttNanos() / 2;
    halfTracker = s.tracker().rttNanos() / 2;
    maxConnections = 2 * s.nodes().neighbours();
  }

  /** Runs until every staying node holds the model or the time limit passes. */
  RunResult run(double lowerBound) {
    long wall = System.nanoTime();
    for (SimNode n : nodes) {
      sim.at(fleet.joinAt[n.index], EventKind.JOIN, () -> join(n));
      if (fleet.leaveAt[n.index] >= 0) {
        sim.at(fleet.leaveAt[n.index], EventKind.CRASH, () -> crash(n));
      }
    }
    int stayers = fleet.stayers();
    java.lang.management.ThreadMXBean cpu = java.lang.management.ManagementFactory.getThreadMXBean();
    long cpu0 = cpu.getCurrentThreadCpuTime();
    long[] nextReport = {wall + PROGRESS_EVERY_NANOS};
    boolean done = sim.run(s.timeLimitNanos(), () -> {
      if ((sim.executed() & 0xFFFF) == 0 && System.nanoTime() >= nextReport[0]) {
        // A long run says how far it got (stderr: the table on stdout stays clean).
        nextReport[0] = System.nanoTime() + PROGRESS_EVERY_NANOS;
        double cpuSeconds = (cpu.getCurrentThreadCpuTime() - cpu0) / 1e9;
        System.err.printf(java.util.Locale.ROOT, "swarm of %d: simulated %.1f s, %d of %d nodes ready, %,d events, %.0f s wall,"
            + " %.0f s CPU (%,.0f events per CPU-second)%n", fleet.size, sim.seconds(), stayersDone, stayers, sim.executed(),
            (System.nanoTime() - wall) / 1e9, cpuSeconds, sim.executed() / Math.max(1e-9, cpuSeconds));
      }
      return stayersDone == stayers;
    });
    double cpuSeconds = (cpu.getCurrentThreadCpuTime() - cpu0) / 1e9;
    // CPU, unlike everything in the notes, differs run to run: stderr, beside the progress lines.
    System.err.printf(java.util.Locale.ROOT, "swarm of %d: %,d events in %.1f s of simulator CPU (%,.0f events per CPU-second)%n",
        fleet.size, sim.executed(), cpuSeconds, sim.executed() / Math.max(1e-9, cpuSeconds));
    if (sim.executed() >= 100_000) { // where a long run's events and scheduler CPU went (small test runs stay quiet)
      System.err.println("swarm of " + fleet.size + ": events scheduled by kind, scheduler calls and their time (refused BUSY "
        + refusals[Failure.BUSY.ordinal()] + ", NOT_FOUND " + refusals[Failure.NOT_FOUND.ordinal()] + "):" + sim.tally());
    }
    StringBuilder stuck = new StringBuilder();
    if (!done && sim.pending() == 0) {
      // Nothing left to happen, yet nodes lack chunks: every wait should have had a deadline.
      for (SimNode n : nodes) {
        if (n.alive && n.doneAt < 0 && stuck.length() < 600) {
          SwarmScheduler.Stats st = n.scheduler.stats();
          stuck.append(String.format(java.util.Locale.ROOT, " %s holds %d/%d, wanted %d, outstanding %d, transfers %d, neighbours %d;",
              n.id, n.heldCount, chunkIds.length, st.wanted(), st.outstanding(), n.transfers.size(), n.neighbours.size()));
        }
      }
    }
    double[] ready = new double[stayers];
    long[] totals = new long[7];
    int k = 0;
    for (SimNode n : nodes) {
      if (fleet.leaveAt[n.index] < 0) {
        ready[k++] = n.doneAt < 0 ? Double.NaN : n.doneAt / 1e9;
      }
      if (n.scheduler != null) {
        SwarmScheduler.Stats c = n.scheduler.stats();
        totals[0] += c.peerFetches();
        totals[1] += c.originFetches();
        totals[2] += c.unleasedOriginFetches();
        totals[3] += c.leaseRequests();
        totals[4] += c.failures();
        totals[5] += c.endgameDuplicates();
        totals[6] += c.cancels();
      }
    }
    String notes = String.format(java.util.Locale.ROOT,
        "peer fetches %d, origin fetches %d (%d unleased), lease requests %d, failures %d, endgame duplicates %d, cancels %d, flows %d",
        totals[0], totals[1], totals[2], totals[3], totals[4], totals[5], totals[6], net.flowsStarted())
        + String.format(java.util.Locale.ROOT, "; refused BUSY %d, NOT_FOUND %d",
            refusals[Failure.BUSY.ordinal()], refusals[Failure.NOT_FOUND.ordinal()])
        + (stuck.length() == 0 ? "" : "; STALLED at " + sim.seconds() + " s with nothing scheduled:" + stuck);
    return new RunResult("modelfs swarm", fleet.size, ready, originBytes, s.modelBytes(), lowerBound, originSeries, throughput,
        sim.executed(), (System.nanoTime() - wall) / 1_000_000, notes);
  }

  // ---- node lifecycle

  private void join(SimNode n) {
    n.alive = true;
    n.scheduler = new SwarmScheduler(n.id, s.scheduler(), sim, new NodeActions(this, n), true);
    sim.after(halfTracker, EventKind.TRACKER_NEIGHBOURS, () -> {
      tracker.join(n);
      List<Integer> list = tracker.neighbours(n.index, s.nodes().neighbours(), rnd);
      sim.after(halfTracker, EventKind.TRACKER_NEIGHBOURS, () -> list.forEach(i -> connect(n, nodes[i])));
    });
    deliver(n, sc -> {
      sc.open(model, chunkSizes, new BitSet());
      sc.wantAll(model, Need.PREFETCH);
    });
  }

  private void crash(SimNode n) {
    if (!n.alive) {
      return;
    }
    n.alive = false;
    for (SimNode.Transfer t : n.transfers.values()) {
      t.cancelled = true;
      if (t.flow != null) {
        net.cancel(t.flow);
      }
    }
    for (SimNode.Transfer t : n.transfers.values()) {
      if (t.from != null) {
        t.from.uploads.removePeer(n);
        t.from.uploads.finished(t);
      }
    }
    for (SimNode.Transfer t : n.transfers.values()) {
      if (t.from != null && t.from.alive) {
        pumpUploads(t.from);
      }
    }
    n.transfers.clear();
    for (Flow f : new ArrayList<>(n.up.flows)) {
      SimNode.Transfer t = (SimNode.Transfer) f.tag;
      net.cancel(f);
      t.cancelled = true; // the requester is told peerLost, after which no outcome is owed
      t.to.transfers.remove(t.key());
    }
    for (SimNode.Transfer t : n.uploads.allQueued()) {
      t.cancelled = true;
      t.to.transfers.remove(t.key());
    }
    for (SimNode nb : n.neighbours) {
      nb.neighbours.remove(n);
      sim.after(halfRtt, EventKind.PEER_LOST, () -> {
        deliver(nb, sc -> sc.peerLost(n.id));
        refill(nb);
      });
    }
    n.neighbours.clear();
    sim.after(s.tracker().nodeTimeoutNanos(), () -> tracker.forget(n, n.held));
  }

  // ---- connections

  void connect(SimNode a, SimNode b) {
    if (a == b || !a.alive || !b.alive || a.connectedTo(b) || a.neighbours.size() >= maxConnections
        || b.neighbours.size() >= maxConnections) {
      return;
    }
    sim.after(2 * halfRtt, EventKind.CONNECT, () -> {
      if (!a.alive || !b.alive || a.connectedTo(b)) {
        return;
      }
      a.neighbours.add(b);
      b.neighbours.add(a);
      BitSet ha = (BitSet) a.held.clone();
      BitSet hb = (BitSet) b.held.clone();
      deliver(a, EventKind.CALL_CONNECTED, sc -> {
        sc.peerConnected(b.id);
        sc.have(b.id, model, hb);
      });
      deliver(b, EventKind.CALL_CONNECTED, sc -> {
        sc.peerConnected(a.id);
        sc.have(a.id, model, ha);
      });
    });
  }

  /** A node left with few neighbours asks the tracker for more. */
  private void refill(SimNode n) {
    if (n.alive && n.neighbours.size() < Math.max(1, s.nodes().neighbours() / 2)) {
      sim.after(halfTracker, EventKind.TRACKER_NEIGHBOURS, () -> {
        List<Integer> list = tracker.neighbours(n.index, s.nodes().neighbours(), rnd);
        sim.after(halfTracker, EventKind.TRACKER_NEIGHBOURS, () -> list.forEach(i -> connect(n, nodes[i])));
      });
    }
  }

  /** Connects to a holder of each chunk a lease answer says is on peers, when no neighbour has it. */
  void connectToHolders(SimNode n, List<Integer> onPeers) {
    int tried = 0;
    for (int c : onPeers) {
      if (tried >= 4) {
        break;
      }
      boolean near = false;
      for (SimNode nb : n.neighbours) {
        if (nb.held.get(c)) {
          near = true;
          break;
        }
      }
      if (near) {
        continue;
      }
      for (int h : tracker.someHolders(c)) {
        SimNode holder = nodes[h];
        if (holder != n && holder.alive && !n.connectedTo(holder)) {
          connect(n, holder);
          tried++;
          break;
        }
      }
    }
  }

  // ---- chunks

  /** A transfer's last byte arrived: the chunk is verified (hashing was paid for in the intake rate). */
  void arrived(SimNode.Transfer t) {
    if (t.cancelled || !t.to.alive) {
      return;
    }
    SimNode n = t.to;
    n.transfers.remove(t.key());
    int c = t.chunk;
    boolean fresh = !n.held.get(c);
    if (fresh) {
      n.held.set(c);
      n.heldCount++;
      if (t.from == null) {
        n.originBytes += chunkSizes[c];
      } else {
        n.peerBytes += chunkSizes[c];
      }
    }
    Source src = t.from == null ? Source.ORIGIN : sources[t.from.index];
    deliver(n, EventKind.CALL_VERIFIED, sc -> sc.chunkVerified(chunkIds[c], src));
    if (fresh) {
      announce(n, c);
      if (n.heldCount == chunkIds.length) {
        n.doneAt = sim.now();
        if (fleet.leaveAt[n.index] < 0) {
          stayersDone++;
        }
      }
    }
  }

  private void announce(SimNode n, int c) {
    ChunkId id = chunkIds[c];
    Consumer<SwarmScheduler> have = sc -> sc.have(n.id, id);
    sim.after(untilAnnounce(n) + halfRtt, EventKind.HAVE_BATCH, () -> {
      for (SimNode nb : n.neighbours) {
        deliver(nb, EventKind.CALL_HAVE, have);
      }
    });
    sim.after(halfTracker, EventKind.TRACKER_ANNOUNCE, () -> tracker.announce(n, c, sim.now() / 1_000_000));
  }

  /**
   * How long a fresh HAVE waits for the node's next announcement: the agent batches HAVEs and
   * sends them every {@code announceInterval}, on a timer whose phase differs per node.
   */
  private long untilAnnounce(SimNode n) {
    long every = s.nodes().announceNanos();
    if (every == 0) {
      return 0;
    }
    long phase = Math.floorMod(n.index * 0x9E3779B97F4A7C15L, every);
    return Math.floorMod(phase - sim.now(), every);
  }

  /** Starts the uploads whose turn came at {@code n}'s peer server. */
  void pumpUploads(SimNode n) {
    n.uploads.pump(t -> {
      t.flow = net.start(path(n.up, t.to.intake), chunkSizes[t.chunk], false, cpuPerByte(false), () -> {
        n.uploads.finished(t);
        pumpUploads(n);
        sim.after(halfRtt, EventKind.LAST_BYTE, () -> arrived(t));
      });
      t.flow.tag = t;
      watch(t);
    });
  }

  /** What a byte of a peer or origin flow costs on the shared host (1 when there is none; not used then). */
  double cpuPerByte(boolean fromOrigin) {
    Scenario.Host h = s.nodes().host();
    return host == null ? 1 : h.cpuPerByte() + (fromOrigin ? h.originCpuPerByte() : 0);
  }

  /** A flow's path: the given links, and the shared machine's CPU when the nodes share one. */
  Resource[] path(Resource... links) {
    if (host == null) {
      return links;
    }
    Resource[] p = java.util.Arrays.copyOf(links, links.length + 1);
    p[links.length] = host;
    return p;
  }

  /**
   * While a transfer's flow moves, tells its node's scheduler so every half stall time, as the
   * agent's driver does once a second: a slow but moving fetch is not abandoned as stalled.
   */
  void watch(SimNode.Transfer t) {
    long every = Math.max(1, s.scheduler().peerStall().toNanos() / 2);
    sim.after(every, EventKind.PROGRESS, () -> {
      if (t.cancelled || !t.to.alive || t.to.transfers.get(t.key()) != t) {
        return;
      }
      if (t.flow != null && t.flow.rate > 0) {
        Source src = t.from == null ? Source.ORIGIN : sources[t.from.index];
        deliver(t.to, EventKind.CALL_PROGRESS, sc -> sc.progress(chunkIds[t.chunk], src));
      }
      watch(t);
    });
  }

  void fail(SimNode.Transfer t, Failure why) {
    refusals[why.ordinal()]++;
    sim.after(halfRtt, EventKind.PEER_REFUSAL, () -> {
      if (t.cancelled || !t.to.alive) {
        return;
      }
      t.to.transfers.remove(t.key());
      Source src = t.from == null ? Source.ORIGIN : sources[t.from.index];
      deliver(t.to, EventKind.CALL_FAILED, sc -> sc.fetchFailed(chunkIds[t.chunk], src, why));
    });
  }

  // ---- scheduler plumbing

  /** Delivers one event to a live node's scheduler, then makes sure it is ticked at its next deadline. */
  void deliver(SimNode n, Consumer<SwarmScheduler> event) {
    deliver(n, EventKind.CALL_OTHER, event);
  }

  /** As {@link #deliver(SimNode, Consumer)}, the call tallied as {@code kind} (count and CPU) in {@link Simulator#tally}. */
  void deliver(SimNode n, EventKind kind, Consumer<SwarmScheduler> event) {
    if (!n.alive) {
      return;
    }
    long t0 = System.nanoTime();
    event.accept(n.scheduler);
    sim.nanos[kind.ordinal()] += System.nanoTime() - t0;
    sim.counts[kind.ordinal()]++;
    arm(n, sim.now());
  }

  private void arm(SimNode n, long earliest) {
    long d = n.scheduler.nextDeadline();
    if (d == Long.MAX_VALUE) {
      return;
    }
    long at = Math.max(d, earliest);
    if (at >= n.tickAt) {
      return;
    }
    n.tickAt = at;
    sim.at(at, EventKind.TICK, () -> {
      if (n.tickAt != at || !n.alive) {
        return;
      }
      n.tickAt = Long.MAX_VALUE;
      long t0 = System.nanoTime();
      n.scheduler.tick();
      sim.nanos[EventKind.CALL_TICK.ordinal()] += System.nanoTime() - t0;
      sim.counts[EventKind.CALL_TICK.ordinal()]++;
      arm(n, sim.now() + MIN_TICK_STEP); // a deadline still due after a tick waits a microsecond: no zero-time loop
    });
  }

  private void moved(Flow f, long from, long to, double bytes) {
    throughput.add(from, to, bytes);
    if (f.fromOrigin) {
      originSeries.add(from, to, bytes);
      originBytes += bytes;
    }
  }
}
