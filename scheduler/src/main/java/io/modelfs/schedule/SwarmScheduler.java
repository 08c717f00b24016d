package io.modelfs.schedule;

import io.modelfs.core.Digest;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * One node's fetch scheduler. Single-threaded and event-driven: the driver calls the event
 * methods from one thread (or under one lock), the scheduler answers by calling {@link Actions}.
 * Time comes only from the {@link Ticker}; nothing here sleeps, blocks or does I/O.
 *
 * <p>Policy (issue 8): for each wanted chunk — local store (the driver never asks for held
 * chunks) → neighbours that announced it → the origin only under a tracker lease; a node without
 * the lease waits up to {@code leaseWait} to hear that a peer has it before asking again. Wants
 * are served most urgent first (FOREGROUND, READAHEAD, PREFETCH); within a need, prefetch picks
 * rarest-first across the peers' bitfields; when at most {@code endgameChunks} wanted chunks
 * remain, outstanding fetches are duplicated to a second source and the loser cancelled. A
 * peer that stalls (no verified chunk within {@code peerStall}), refuses or disconnects is
 * skipped for that chunk and the chunk re-requested elsewhere; an origin fetch gets
 * {@value #ORIGIN_STALL_FACTOR} × {@code peerStall}. With the tracker unreachable, the
 * scheduler fetches chunks a reader is blocked on from the origin itself, paced at
 * {@code fallbackOriginBytesPerSecond}; readahead and prefetch wait for peers and the tracker
 * (probed with backoff) for {@value #TRACKER_DOWN_GRACE_LEASE_WAITS} lease waits, then fall back too.
 * Nothing waits forever: every wait has a deadline that {@link #tick} enforces.
 *
 * <p>Design note. Wants live in two queues: urgent ones (FOREGROUND, READAHEAD) in one queue
 * ordered by need then arrival, prefetch ones per model ordered rarest first (ties by a hash of
 * node and chunk, so nodes that start together spread over different chunks); models take turns
 * at prefetch slots. After every event one pass ({@code pump}) walks the queues in that order and
 * starts what the caps, the pacing and the leases allow, gathers chunks that need a lease into
 * one request per model (at most one in flight per model), duplicates outstanding fetches in
 * endgame, and records when it must look again (the timers behind {@link #nextDeadline}).
 * Every decision walks sorted structures, so the same events give the same commands — the
 * simulator relies on it.
 *
 * <p>Driver contract: every fetch command gets exactly one outcome ({@link #chunkVerified} or
 * {@link #fetchFailed}) unless the scheduler cancelled it or the peer was reported lost; an
 * outcome for a cancelled or lost fetch may still come within {@code peerStall} and is absorbed
 * (later ones may be taken for a newer fetch of the chunk from that source). Every lease request gets
 * exactly one {@link #leaseAnswer} or {@link #trackerUnavailable} (a request unanswered after
 * {@code peerStall} counts as unavailable). Event arguments that name a model must name an open
 * one, except outcomes and peer news, which are ignored for models not open. The driver calls
 * {@link #tick} when the ticker reaches {@link #nextDeadline} (re-reading it after every event),
 * reports chunks it finds or stores by other means with {@link #chunkVerified} (from any
 * source), and validates peer input first (an out-of-range index throws
 * {@link IllegalArgumentException} before any state changes). Calling back into
 * the scheduler from inside an {@link Actions} method throws {@link IllegalStateException}.
 *
 * <p>Not thread-safe by design; not re-entrant (Actions must queue outcomes, not call back).
 */
public final class SwarmScheduler {
  /**
   * "On a peer" answers in a row with no connected holder, each while the node waited for the
   * chunk (a reader blocked on it, or the node {@link #starved}), before the scheduler flags the
   * chunk "holders unreachable" in its lease requests (the tracker then leases it to one node at a
   * time). An answer while the node has other work from peers starts the count over.
   */
  static final int FRUITLESS_ROUNDS = 3;
  /**
   * An origin fetch is given this many {@code peerStall}s before the scheduler abandons it: there
   * is no other origin to try, a shared origin cap can make every fetch slow without any of them
   * being stuck, and the driver's origin reads have their own bounded retries and timeouts.
   */
  static final int ORIGIN_STALL_FACTOR = 6;
  /** A peer that refused a chunk as BUSY is not asked for it again for this long (at most {@code leaseWait}). */
  static final long BUSY_BACKOFF_NANOS = 200_000_000L;
  /** A peer's BUSY backoff doubles at most this many times (then {@code leaseWait} caps it anyway). */
  static final int MAX_BUSY_DOUBLINGS = 8;
  /** A paced lease request gathers this many times {@code leaseBatch} chunks (fewer requests, as many chunks). */
  static final int PACED_BATCH_FACTOR = 4;
  /** The longest wait between lease requests the scheduler accepts from a tracker. */
  static final long MAX_NEXT_ASK_MILLIS = 60_000;
  /**
   * Lease requests unanswered in a row before the scheduler counts the tracker down and fetches
   * from the origin unleased. One slow answer is not an outage: with 16 agents on 2 cores, single
   * LEASE timeouts each turned into unleased origin fetches (fanout N = 16: 127 of them, 2.2–2.8
   * model copies from the origin); the first is asked again after {@code leaseWait}.
   */
  static final int TRACKER_DOWN_AFTER = 2;
  /**
   * While the tracker is down, only a chunk a reader is blocked on (FOREGROUND) goes to the origin
   * unleased at once; readahead and pull/prefetch wants keep waiting for peers and the tracker this
   * many {@code leaseWait}s from the moment it was counted down, then fall back too (every node
   * fetching the whole model unleased is what the lease exists to prevent; waiting forever is what
   * the issue forbids).
   */
  static final int TRACKER_DOWN_GRACE_LEASE_WAITS = 10;
  /** While the tracker is down it is probed after 1, 2, 4, … {@code leaseWait}s, at most this many. */
  static final int MAX_PROBE_LEASE_WAITS = 8;
  /**
   * Without a tracker, a readahead or prefetch want made within this long after a peer connected
   * waits until then before it goes to the origin: a peer sends its bitfields right after the
   * handshake, and a pull started before they arrive sent every chunk to the origin although the
   * peer held the model (the CI run of 2026-11-28 18:57: a 3-chunk pull 31 ms after the handshake,
   * all endgame, origin and peer at once). A blocked reader does not wait.
   */
  static final long BITFIELD_GRACE_NANOS = 500_000_000L;

  private final String self;
  private final SchedulerConfig config;
  private final Ticker ticker;
  private final Actions actions;
  private final boolean tracker;
  private final long stallNanos;
  private final long leaseWaitNanos;
  /** {@code Mix.prefix(self)}, for each want's tie-break hash. */
  private final long selfHash;

  private final Map<Digest, ModelState> models = new TreeMap<>();
  private final Peers peers = new Peers();
  private final TreeSet<Want> urgent = new TreeSet<>(Want.URGENT_ORDER);
  /** Wants with at least one fetch outstanding, by chunk. */
  private final Map<ChunkId, Want> inFlight = new TreeMap<>();
  private final Cancelled cancelled = new Cancelled();
  private final TreeSet<Long> timers = new TreeSet<>();
  private final Pacer download;
  private final Pacer fallback;
  private boolean trackerDown;
  /** Lease requests unanswered in a row (see {@link #TRACKER_DOWN_AFTER}). */
  private int unanswered;
  private long nextProbe;
  /** When the tracker was counted down (valid while {@link #trackerDown}). */
  private long trackerDownSince;
  /** The wait before the next probe; doubles per unanswered probe up to {@link #MAX_PROBE_LEASE_WAITS}. */
  private long probeGap;
  private int active;
  private int originActive;
  private long seq;
  /** Times a peer at {@code maxPerPeer} freed a slot: invalidates {@link Want#blocked} memos that a full peer made. */
  private long capFrees;
  /** Sleeping wants whose memo a full peer made: they wake when {@link #capFrees} moves on (may hold awake ones). */
  private final List<Want> capSleepers = new ArrayList<>();
  /** {@link #capFrees} when {@link #capSleepers} was last looked at. */
  private long capFreesSeen;
  /** The model whose prefetch want started last: the next turn starts after it. */
  private Digest lastServed;
  private boolean inEvent;
  /** When a peer last connected (ticker nanos), for {@link #BITFIELD_GRACE_NANOS}; valid once {@link #anyPeerConnected}. */
  private long lastPeerConnect;
  private boolean anyPeerConnected;
  /**
   * The last pass walked every queued want and could start none, sent no lease request, and
   * no model was near its endgame; nothing has happened since (every event clears it). Then a
   * HAVE changes the outcome for its own chunk's want only, so {@link #pumpOne} tries that want
   * alone and decides as {@link #pump} would — without walking the queue (issue 9: at 10,000
   * nodes the walk after every HAVE was most of the simulator's CPU).
   */
  private boolean quiet;

  private long peerFetches;
  private long originFetches;
  private long unleasedOriginFetches;
  private long leaseRequests;
  private long failures;
  private long endgameDuplicates;
  private long cancels;

  /**
   * @param self this node's id (never chosen as a source)
   * @param tracker whether a tracker hands out leases; without one, wanted chunks no peer holds go
   *     straight to the origin (a single node, or a static swarm)
   */
  public SwarmScheduler(String self, SchedulerConfig config, Ticker ticker, Actions actions, boolean tracker) {
    this.self = Objects.requireNonNull(self, "self");
    this.config = Objects.requireNonNull(config, "config");
    this.ticker = Objects.requireNonNull(ticker, "ticker");
    this.actions = Objects.requireNonNull(actions, "actions");
    this.tracker = tracker;
    this.stallNanos = config.peerStall().toNanos();
    this.leaseWaitNanos = config.leaseWait().toNanos();
    this.selfHash = Mix.prefix(self);
    this.download = new Pacer(config.downloadBytesPerSecond());
    this.fallback = new Pacer(config.fallbackOriginBytesPerSecond());
  }

  // ---- models

  /**
   * A model this node serves: its chunk sizes (model-wide index order) and what the store holds
   * now. Opening an open model again adds {@code held} to what it holds (chunk counts must agree).
   *
   * @throws IllegalArgumentException for no chunks, a negative size, or held bits beyond the chunk count
   */
  public void open(Digest model, long[] chunkSizes, BitSet held) {
    Objects.requireNonNull(model, "model");
    if (chunkSizes.length == 0) {
      throw new IllegalArgumentException("model " + model.shortHex() + " has no chunks");
    }
    for (int i = 0; i < chunkSizes.length; i++) {
      if (chunkSizes[i] < 0) {
        throw new IllegalArgumentException("chunk " + i + " of model " + model.shortHex() + " has negative size " + chunkSizes[i]);
      }
    }
    if (held.length() > chunkSizes.length) {
      throw new IllegalArgumentException("held bitfield of model " + model.shortHex() + " sets chunk " + (held.length() - 1)
          + "; the model has " + chunkSizes.length + " chunks");
    }
    enter();
    try {
      long now = ticker.nanos();
      ModelState m = models.get(model);
      if (m != null) {
        if (m.chunkCount() != chunkSizes.length) {
          throw new IllegalArgumentException("model " + model.shortHex() + " is open with " + m.chunkCount()
              + " chunks, not " + chunkSizes.length);
        }
        held.stream().forEach(i -> verified(m, i, null, now));
      } else {
        ModelState fresh = new ModelState(model, chunkSizes, held);
        for (Peers.Peer p : peers.all()) {
          BitSet b = p.holdings.get(model);
          if (b != null) {
            b.stream().filter(i -> i < chunkSizes.length).forEach(i -> fresh.peersHolding[i]++);
          }
        }
        models.put(model, fresh);
      }
      pump(now);
    } finally {
      inEvent = false;
    }
  }

  /** The model is no longer served: wants dropped, outstanding fetches cancelled, leases released. */
  public void close(Digest model) {
    enter();
    try {
      long now = ticker.nanos();
      ModelState m = models.remove(model);
      if (m == null) {
        return;
      }
      for (Want w : new TreeMap<>(m.wants).values()) {
        if (w.queued()) {
          dequeue(w);
        } else {
          inFlight.remove(w.id);
          for (Fetch f : w.fetches) {
            freeSlot(f);
            cancel(w.id, f.source(), now);
          }
          w.fetches.clear();
        }
      }
      TreeSet<Integer> release = new TreeSet<>(m.leases);
      release.addAll(m.toRelease);
      if (tracker && !release.isEmpty()) {
        leaseRequests++;
        actions.requestLeases(model, List.of(), List.copyOf(release));
      }
      pump(now);
    } finally {
      inEvent = false;
    }
  }

  // ---- wants

  /**
   * Someone needs the chunk. Idempotent; a more urgent need promotes a queued or outstanding
   * want (a reader blocking on a queued prefetch is {@code want(chunk, FOREGROUND)}). A held
   * chunk is ignored.
   *
   * @throws IllegalArgumentException if the model is not open or the index is out of range
   */
  public void want(ChunkId chunk, Need need) {
    Objects.requireNonNull(need, "need");
    ModelState m = open(chunk.model(), "want");
    m.checkIndex(chunk.index(), "want");
    enter();
    try {
      long now = ticker.nanos();
      addWant(m, chunk.index(), need, now);
      pump(now);
    } finally {
      inEvent = false;
    }
  }

  /**
   * Wants every chunk of the model this node does not hold, at {@code need} (a pull).
   *
   * @throws IllegalArgumentException if the model is not open
   */
  public void wantAll(Digest model, Need need) {
    Objects.requireNonNull(need, "need");
    ModelState m = open(model, "wantAll");
    enter();
    try {
      long now = ticker.nanos();
      for (int i = m.held.nextClearBit(0); i < m.chunkCount(); i = m.held.nextClearBit(i + 1)) {
        addWant(m, i, need, now);
      }
      pump(now);
    } finally {
      inEvent = false;
    }
  }

  /**
   * Nobody needs the chunk any more (its last waiter gave up): the want is dropped, its fetches
   * cancelled, a lease on it given back. Unknown chunks and models not open are ignored.
   */
  public void unwant(ChunkId chunk) {
    ModelState m = models.get(chunk.model());
    Want w = m == null ? null : m.wants.get(chunk.index());
    if (w == null) {
      return;
    }
    enter();
    try {
      long now = ticker.nanos();
      m.wants.remove(chunk.index());
      if (w.queued()) {
        dequeue(w);
      } else {
        inFlight.remove(w.id);
        for (Fetch f : w.fetches) {
          freeSlot(f);
          cancel(w.id, f.source(), now);
        }
        w.fetches.clear();
      }
      if (m.leases.remove(chunk.index())) {
        m.toRelease.add(chunk.index());
      }
      pump(now);
    } finally {
      inEvent = false;
    }
  }

  // ---- the swarm as this node sees it

  /** A peer connected (it has sent no bitfield yet). A peer connecting again is first treated as lost. */
  public void peerConnected(String peer) {
    Objects.requireNonNull(peer, "peer");
    if (peer.equals(self)) {
      return;
    }
    enter();
    try {
      long now = ticker.nanos();
      lose(peer, now);
      peers.connect(peer);
      lastPeerConnect = now;
      anyPeerConnected = true;
      pump(now);
    } finally {
      inEvent = false;
    }
  }

  /**
   * A peer's full bitfield for a model (replaces what was known). Bitfields of models not open are
   * kept until they are.
   *
   * @throws IllegalArgumentException if the model is open and {@code held} sets a chunk beyond its count
   */
  public void have(String peer, Digest model, BitSet held) {
    Objects.requireNonNull(peer, "peer");
    Objects.requireNonNull(model, "model");
    if (peer.equals(self)) {
      return;
    }
    ModelState m = models.get(model);
    if (m != null && held.length() > m.chunkCount()) {
      throw new IllegalArgumentException("bitfield of peer " + peer + " for model " + model.shortHex() + " sets chunk "
          + (held.length() - 1) + "; the model has " + m.chunkCount() + " chunks");
    }
    enter();
    try {
      Peers.Peer p = peers.connect(peer);
      BitSet fresh = (BitSet) held.clone();
      BitSet old = p.holdings.get(model);
      p.putBits(model, fresh);
      if (m != null) {
        BitSet gained = (BitSet) fresh.clone();
        BitSet lost = old == null ? new BitSet() : (BitSet) old.clone();
        if (old != null) {
          gained.andNot(old);
          lost.andNot(fresh);
        }
        gained.stream().forEach(i -> holders(m, i, +1));
        lost.stream().forEach(i -> holders(m, i, -1));
      }
      pump(ticker.nanos());
    } finally {
      inEvent = false;
    }
  }

  /**
   * A peer announced one more chunk (HAVE).
   *
   * @throws IllegalArgumentException if the model is open and the index is out of range
   */
  public void have(String peer, ChunkId chunk) {
    Objects.requireNonNull(peer, "peer");
    if (peer.equals(self)) {
      return;
    }
    ModelState m = models.get(chunk.model());
    if (m != null) {
      m.checkIndex(chunk.index(), "HAVE from peer " + peer);
    }
    boolean wasQuiet = quiet;
    enter();
    try {
      BitSet b = peers.connect(peer).bitsOrNew(chunk.model());
      if (!b.get(chunk.index())) {
        b.set(chunk.index());
        if (m != null) {
          holders(m, chunk.index(), +1);
        }
      }
      long now = ticker.nanos();
      if (wasQuiet && urgent.isEmpty() && (timers.isEmpty() || timers.first() > now)) {
        pumpOne(m, chunk.index(), now);
      } else {
        pump(now);
      }
    } finally {
      inEvent = false;
    }
  }

  /** A peer no longer has a chunk (DROPPED). */
  public void dropped(String peer, ChunkId chunk) {
    enter();
    try {
      forget(peer, chunk);
    } finally {
      inEvent = false;
    }
  }

  /** A peer went away: its outstanding fetches are re-requested elsewhere. Unknown peers are ignored. */
  public void peerLost(String peer) {
    enter();
    try {
      long now = ticker.nanos();
      lose(peer, now);
      pump(now);
    } finally {
      inEvent = false;
    }
  }

  // ---- outcomes of commands

  /**
   * Bytes of an outstanding fetch of {@code chunk} from {@code from} arrived: the fetch is not
   * stalled, so its stall deadline moves to {@code peerStall} (origin: its multiple) from now.
   * A fetch counts as stalled only when no bytes came for that long — a slow but moving transfer
   * (a straggler's link, an overloaded origin) is never abandoned for being slow. Drivers report
   * progress at most every so often (the agent: once a second per fetch); a driver that never
   * does gets a deadline for the whole chunk instead. Unknown fetches are ignored. No commands.
   */
  public void progress(ChunkId chunk, Source from) {
    ModelState m = models.get(chunk.model());
    enter();
    try {
      Want w = m == null ? null : m.wants.get(chunk.index());
      if (w == null) {
        return;
      }
      long now = ticker.nanos();
      for (int k = 0; k < w.fetches.size(); k++) {
        Fetch f = w.fetches.get(k);
        if (f.source().equals(from)) {
          long deadline = stallDeadline(f.source(), now);
          if (deadline > f.deadline()) {
            w.fetches.set(k, new Fetch(f.source(), f.started(), deadline, f.leased()));
            timers.add(deadline);
          }
        }
      }
    } finally {
      inEvent = false;
    }
  }

  /**
   * The chunk is stored and verified (from {@code from}, or found local). Other fetches of it are
   * cancelled. Peers get told by the driver.
   */
  public void chunkVerified(ChunkId chunk, Source from) {
    ModelState m = models.get(chunk.model());
    enter();
    try {
      long now = ticker.nanos();
      Want w = m == null ? null : m.wants.get(chunk.index());
      if (w == null || w.fetchFrom(from) == null) {
        cancelled.consume(chunk, from);
      }
      if (m != null && chunk.index() < m.chunkCount()) {
        verified(m, chunk.index(), from, now);
      }
      pump(now);
    } finally {
      inEvent = false;
    }
  }

  /** A fetch failed; the scheduler picks another source (or waits) itself. */
  public void fetchFailed(ChunkId chunk, Source from, Failure why) {
    Objects.requireNonNull(why, "why");
    ModelState m = models.get(chunk.model());
    enter();
    try {
      long now = ticker.nanos();
      Want w = m == null ? null : m.wants.get(chunk.index());
      Fetch f = w == null ? null : w.fetchFrom(from);
      if (f == null) {
        cancelled.consume(chunk, from);
        if (w != null) {
          w.blocked = false; // that source may be asked again
          wake(w);
        }
        return;
      }
      failed(w, f, why, now);
      pump(now);
    } finally {
      inEvent = false;
    }
  }

  /**
   * The tracker's answer to {@link Actions#requestLeases}: fetch {@code granted} from the origin,
   * {@code onPeers} are held by some peer (the driver also connects to the holders it learns
   * of), {@code busy} are leased to another node (wait for them to appear). Leases granted for a
   * model no longer open, or for chunks no longer wanted, are given back.
   */
  public void leaseAnswer(Digest model, List<Integer> granted, List<Integer> onPeers, List<Integer> busy) {
    leaseAnswer(model, granted, onPeers, busy, 0);
  }

  /**
   * As {@link #leaseAnswer(Digest, List, List, List)}, with the tracker's pace (issue 7): the next
   * lease request for {@code model} goes out no sooner than {@code nextAskMillis} after this
   * answer, and gathers up to {@value #PACED_BATCH_FACTOR} × {@code leaseBatch} chunks, so a node
   * asks about as many chunks per second with fewer requests. 0 or less: no wait.
   */
  public void leaseAnswer(Digest model, List<Integer> granted, List<Integer> onPeers, List<Integer> busy, long nextAskMillis) {
    enter();
    try {
      long now = ticker.nanos();
      trackerDown = false;
      unanswered = 0;
      ModelState m = models.get(model);
      if (m == null) {
        if (tracker && !granted.isEmpty()) {
          leaseRequests++;
          actions.requestLeases(model, List.of(), List.copyOf(new TreeSet<>(granted)));
        }
        return;
      }
      List<Integer> asked = m.asking == null ? List.of() : m.asking;
      for (List<Integer> named : List.of(asked, granted, onPeers, busy)) {
        named.forEach(c -> wake(m, c)); // their lease states change: sleeping wants were judged by them
      }
      m.asking = null;
      m.paced = nextAskMillis > 0;
      if (m.paced) {
        m.askNotBefore = now + Math.min(nextAskMillis, MAX_NEXT_ASK_MILLIS) * 1_000_000L;
        timers.add(m.askNotBefore);
      }
      for (int c : granted) {
        Want w = wantOf(m, c);
        if (w == null) {
          m.toRelease.add(c);
        } else {
          w.lease = Want.Lease.GRANTED;
          w.fruitlessRounds = 0;
          m.leases.add(c);
        }
      }
      boolean starved = !onPeers.isEmpty() && starved();
      for (int c : onPeers) {
        Want w = wantOf(m, c);
        if (w != null) {
          waitForPeers(w, now);
          if (reachableHolder(w) || !(w.urgent() || starved)) {
            // A connected holder (busy or not) will serve it, or the node has other work from peers:
            // waiting costs nothing yet, and the chunk spreads meanwhile. Only rounds in a row count.
            w.fruitlessRounds = 0;
          } else {
            // The holders the tracker knows are not connected to this node (maybe dead, and the
            // tracker has not noticed yet, or not reachable from here), or sent corrupt bytes, and
            // the node waits for it. From FRUITLESS_ROUNDS on the lease request flags it "holders
            // unreachable": the tracker leases it to one such node at a time, which fetches it from
            // the origin and announces it.
            // (Fetching it unleased here multiplied origin bytes: 16 nodes x 512 MiB sent 1.9-2.7x.)
            w.fruitlessRounds++;
          }
        }
      }
      for (int c : busy) {
        Want w = wantOf(m, c);
        if (w != null) {
          waitForPeers(w, now);
        }
      }
      for (int c : asked) {
        Want w = m.wants.get(c);
        if (w != null && w.lease == Want.Lease.ASKED) {
          w.lease = Want.Lease.NONE;
        }
      }
      pump(now);
    } finally {
      inEvent = false;
    }
  }

  /**
   * The lease request could not reach the tracker. After {@value #TRACKER_DOWN_AFTER} such in a row
   * the tracker counts as down until a lease request gets an answer again: it is probed with the
   * waiting chunks after 1, 2, 4, … (at most {@value #MAX_PROBE_LEASE_WAITS}) lease waits; chunks a
   * reader is blocked on that no peer has come from the origin without a lease, paced at
   * {@code fallbackOriginBytesPerSecond}; readahead and prefetch wants do too once the tracker has
   * been down for {@value #TRACKER_DOWN_GRACE_LEASE_WAITS} lease waits.
   */
  public void trackerUnavailable(Digest model) {
    enter();
    try {
      long now = ticker.nanos();
      unavailable(models.get(model), now);
      pump(now);
    } finally {
      inEvent = false;
    }
  }

  // ---- time

  /** Enforces deadlines (stalls, lease waits, pacing) and starts what is now allowed. */
  public void tick() {
    enter();
    try {
      long now = ticker.nanos();
      timers.headSet(now, true).clear();
      cancelled.expire(now);
      List<Want> stalledWants = new ArrayList<>();
      List<Fetch> stalled = new ArrayList<>();
      for (Want w : inFlight.values()) {
        for (Fetch f : w.fetches) {
          if (f.deadline() <= now) {
            stalledWants.add(w);
            stalled.add(f);
          }
        }
      }
      for (int k = 0; k < stalled.size(); k++) {
        Want w = stalledWants.get(k);
        cancel(w.id, stalled.get(k).source(), now);
        failed(w, stalled.get(k), Failure.STALLED, now);
      }
      for (ModelState m : models.values()) {
        if (m.asking != null && m.askDeadline <= now) {
          unavailable(m, now);
        }
      }
      pump(now);
    } finally {
      inEvent = false;
    }
  }

  /**
   * When the scheduler next needs {@link #tick} (ticker nanos), or Long.MAX_VALUE if nothing is
   * pending. It may be in the past (tick now), and a tick at it may turn out to have nothing to do.
   */
  public long nextDeadline() {
    return timers.isEmpty() ? Long.MAX_VALUE : timers.first();
  }

  // ---- queries

  /** True if the model is open and this node holds the chunk. */
  public boolean holds(ChunkId chunk) {
    ModelState m = models.get(chunk.model());
    return m != null && m.held.get(chunk.index());
  }

  /**
   * True if a connected peer announced the chunk and may still be asked for it (busy, stalled or
   * briefly excluded peers count; one that sent corrupt bytes does not): the scheduler will fetch
   * it from there, whatever the origin says.
   */
  public boolean onReachablePeer(ChunkId chunk) {
    ModelState m = models.get(chunk.model());
    if (m == null || chunk.index() < 0 || chunk.index() >= m.chunkCount() || m.peersHolding[chunk.index()] == 0) {
      return false;
    }
    Want w = m.wants.get(chunk.index());
    if (w != null) {
      return reachableHolder(w);
    }
    for (Peers.Peer p : peers.all()) {
      if (p.has(chunk)) {
        return true;
      }
    }
    return false;
  }

  /** Counters for metrics, tests and the simulator. */
  public Stats stats() {
    int wanted = 0;
    for (ModelState m : models.values()) {
      wanted += m.wants.size();
    }
    return new Stats(peerFetches, originFetches, unleasedOriginFetches, leaseRequests, failures, endgameDuplicates,
        cancels, wanted, active);
  }

  /**
   * What the scheduler did so far.
   *
   * @param failures fetch outcomes other than verified, stalls and lost peers included
   * @param wanted chunks wanted and not yet verified, now
   * @param outstanding fetches outstanding, now
   */
  public record Stats(long peerFetches, long originFetches, long unleasedOriginFetches, long leaseRequests,
      long failures, long endgameDuplicates, long cancels, int wanted, int outstanding) {}

  // ---- events, inside

  private void enter() {
    if (inEvent) {
      throw new IllegalStateException("SwarmScheduler of node " + self
          + " is not re-entrant: an Actions method called back into it; queue the outcome instead");
    }
    inEvent = true;
    quiet = false;
  }

  private ModelState open(Digest model, String what) {
    ModelState m = models.get(Objects.requireNonNull(model, "model"));
    if (m == null) {
      throw new IllegalArgumentException(what + ": model " + model.shortHex() + " is not open");
    }
    return m;
  }

  private Want wantOf(ModelState m, int index) {
    return index >= 0 && index < m.chunkCount() ? m.wants.get(index) : null;
  }

  private void addWant(ModelState m, int index, Need need, long now) {
    if (m.held.get(index)) {
      return;
    }
    Want w = m.wants.get(index);
    if (w == null) {
      w = new Want(m.chunk(index), m, need, seq++, Mix.of(selfHash, Mix.of(m.hexHash, index)));
      w.rarity = m.peersHolding[index];
      if (!tracker && need != Need.FOREGROUND && anyPeerConnected && now - lastPeerConnect < BITFIELD_GRACE_NANOS) {
        w.originNotBefore = lastPeerConnect + BITFIELD_GRACE_NANOS;
        timers.add(w.originNotBefore);
      }
      m.wants.put(index, w);
      enqueue(w);
    } else if (need.above(w.need)) {
      boolean queued = w.queued();
      if (queued) {
        dequeue(w);
      }
      w.need = need;
      w.seq = seq++;
      if (queued) {
        enqueue(w);
      }
    }
  }

  private void enqueue(Want w) {
    if (w.urgent()) {
      urgent.add(w);
    } else {
      w.asleep = false;
      w.model.ready.add(w);
    }
  }

  private void dequeue(Want w) {
    if (w.urgent()) {
      urgent.remove(w);
    } else if (w.asleep) {
      w.asleep = false; // its entry in sleeping, if any, is stale now
    } else {
      w.model.ready.remove(w);
    }
  }

  private void wake(ModelState m, int index) {
    Want w = wantOf(m, index);
    if (w != null) {
      wake(w);
    }
  }

  /** A sleeping want is tried again by the next pass. */
  private void wake(Want w) {
    if (w.asleep) {
      w.asleep = false;
      w.model.ready.add(w);
    }
  }

  private void wakeAll(ModelState m) {
    for (Want w : m.wants.values()) {
      wake(w); // the order does not matter: ready is sorted
    }
  }

  /** One more (or one fewer) connected peer holds chunk {@code index}; re-sorts a queued prefetch want. */
  private void holders(ModelState m, int index, int delta) {
    m.peersHolding[index] += delta;
    Want w = m.wants.get(index);
    if (w == null) {
      return;
    }
    boolean resort = w.queued() && !w.urgent();
    if (resort) {
      dequeue(w);
    }
    w.rarity = m.peersHolding[index];
    w.blocked = false;
    if (resort) {
      enqueue(w); // awake: a holder more or fewer may change what a pass decides for it
    }
  }

  private void forget(String peer, ChunkId chunk) {
    Peers.Peer p = peers.get(peer);
    BitSet b = p == null ? null : p.bits(chunk.model());
    if (b != null && b.get(chunk.index())) {
      b.clear(chunk.index());
      ModelState m = models.get(chunk.model());
      if (m != null && chunk.index() < m.chunkCount()) {
        holders(m, chunk.index(), -1);
      }
    }
  }

  private void lose(String peer, long now) {
    Peers.Peer p = peers.remove(peer);
    if (p == null) {
      return;
    }
    p.holdings.forEach((model, bits) -> {
      ModelState m = models.get(model);
      if (m != null) {
        bits.stream().filter(i -> i < m.chunkCount()).forEach(i -> holders(m, i, -1));
      }
    });
    Source source = Source.peer(peer);
    for (Want w : new ArrayList<>(inFlight.values())) {
      Fetch f = w.fetchFrom(source);
      if (f != null) {
        cancelled.add(w.id, source, now + stallNanos);
        timers.add(now + stallNanos);
        failed(w, f, Failure.DISCONNECTED, now);
      }
    }
  }

  private void verified(ModelState m, int index, Source from, long now) {
    if (m.held.get(index)) {
      return;
    }
    m.held.set(index);
    m.leases.remove(index);
    if (from instanceof Source.Peer sp) {
      Peers.Peer p = peers.get(sp.id());
      if (p != null) {
        p.busyStreak = 0; // it served us: its next refusal starts the backoff over
      }
    }
    Want w = m.wants.remove(index);
    if (w == null) {
      return;
    }
    if (w.queued()) {
      dequeue(w);
      return;
    }
    inFlight.remove(w.id);
    for (Fetch f : w.fetches) {
      freeSlot(f);
      if (!f.source().equals(from)) {
        cancel(w.id, f.source(), now);
      }
    }
    w.fetches.clear();
  }

  private void failed(Want w, Fetch f, Failure why, long now) {
    w.fetches.remove(f);
    freeSlot(f);
    failures++;
    w.blocked = false;
    String peer = f.peer();
    long backoff = now + leaseWaitNanos;
    if (peer != null) {
      long until = switch (why) {
        case CORRUPT -> Long.MAX_VALUE;
        case STALLED, DISCONNECTED -> now + stallNanos;
        // BUSY says the peer has the chunk and will have a slot soon: a lease wait (2 s) here left
        // nodes idle while holders existed (issue 9's simulator: 200 nodes x 1 GB went from 7.0 s and
        // 4.2x origin to 3.9 s and 1.0x with 200 ms). The whole peer backs off (busyBackoff).
        case BUSY -> busyBackoff(peer, now);
        default -> backoff;
      };
      w.exclude(peer, until);
      if (until != Long.MAX_VALUE) {
        timers.add(until);
      }
      if (why == Failure.NOT_FOUND) {
        forget(peer, w.id);
      }
      if (why == Failure.LOCAL_ERROR) {
        w.originNotBefore = Math.max(w.originNotBefore, backoff);
      }
    } else {
      w.originNotBefore = Math.max(w.originNotBefore, backoff);
      timers.add(backoff);
      if (why == Failure.ORIGIN_ERROR && w.lease == Want.Lease.GRANTED) {
        // Give the lease back so that another node may try the origin; ask again after the backoff.
        w.lease = Want.Lease.NONE;
        w.model.leases.remove(w.id.index());
        w.model.toRelease.add(w.id.index());
      }
    }
    if (w.fetches.isEmpty()) {
      inFlight.remove(w.id);
      enqueue(w);
    }
  }

  /**
   * A BUSY refusal says the peer's upload queue is full — for every chunk, not just this one — so
   * the peer is asked for nothing until the returned time: {@value #BUSY_BACKOFF_NANOS} ns, doubled
   * for each further refusal that follows a finished backoff without a chunk verified from it in
   * between (at most {@code leaseWait}). Refusals of requests sent before the backoff began do not
   * double it. (Issue 9's simulator, 1,000 nodes x 140 GB: per-chunk backoff alone cost 172,108
   * refusals for 539 transfers in the first 15 s, 69% of all events.)
   */
  private long busyBackoff(String peer, long now) {
    long base = Math.min(leaseWaitNanos, BUSY_BACKOFF_NANOS);
    Peers.Peer p = peers.get(peer);
    if (p == null) {
      return now + base;
    }
    if (now >= p.busyUntil) {
      p.busyStreak = Math.min(p.busyStreak + 1, MAX_BUSY_DOUBLINGS + 1);
      p.busyUntil = now + Math.min(leaseWaitNanos, base << (p.busyStreak - 1));
    }
    return p.busyUntil;
  }

  private void cancel(ChunkId chunk, Source source, long now) {
    cancels++;
    cancelled.add(chunk, source, now + stallNanos);
    timers.add(now + stallNanos);
    actions.cancel(source, chunk);
  }

  private void freeSlot(Fetch f) {
    active--;
    if (f.fromOrigin()) {
      originActive--;
    } else {
      Peers.Peer p = peers.get(f.peer());
      if (p != null) {
        if (p.active >= config.maxPerPeer()) {
          capFrees++;
        }
        p.active--;
      }
    }
  }

  private void waitForPeers(Want w, long now) {
    if (w.lease == Want.Lease.GRANTED) {
      w.model.leases.remove(w.id.index());
    }
    w.lease = Want.Lease.WAITING;
    w.leaseWaitUntil = now + leaseWaitNanos;
    timers.add(w.leaseWaitUntil);
  }

  private void unavailable(ModelState m, long now) {
    models.values().forEach(this::wakeAll); // lease states and the tracker's state change: judge every want again
    if (m != null && m.asking != null) {
      for (int c : m.asking) {
        Want w = m.wants.get(c);
        if (w != null && w.lease == Want.Lease.ASKED) {
          w.lease = Want.Lease.NONE;
        }
      }
      m.asking = null;
      if (!trackerDown && ++unanswered < TRACKER_DOWN_AFTER) {
        // Ask again after a lease wait, as after a refusal; the tracker is not counted down yet.
        m.askNotBefore = now + leaseWaitNanos;
        timers.add(m.askNotBefore);
        return;
      }
    }
    if (trackerDown) {
      probeGap = Math.min(2 * probeGap, MAX_PROBE_LEASE_WAITS * leaseWaitNanos);
    } else {
      trackerDown = true;
      trackerDownSince = now;
      probeGap = leaseWaitNanos;
      timers.add(graceEnd()); // readahead and prefetch wants fall back then
    }
    nextProbe = now + probeGap;
    timers.add(nextProbe);
  }

  /** When readahead and prefetch wants may go to the origin unleased in this outage. */
  private long graceEnd() {
    return trackerDownSince + TRACKER_DOWN_GRACE_LEASE_WAITS * leaseWaitNanos;
  }

  // ---- the pass after every event

  private void pump(long now) {
    for (Want w = first(urgent); w != null && active < config.maxDownloads(); w = urgent.higher(w)) {
      tryStart(w, now);
    }
    boolean fruitless = prefetch(now);
    boolean nearEndgame = false;
    for (ModelState m : models.values()) {
      nearEndgame |= config.endgameChunks() > 0 && m.wants.size() <= config.endgameChunks();
    }
    endgame(now);
    long asked = leaseRequests;
    askLeases(now);
    // A batch gathered but not sent (a request in flight, the tracker's pace, a probe not due) is
    // dropped by askLeases and gathered afresh by the next pass: it leaves nothing behind.
    quiet = fruitless && leaseRequests == asked && !nearEndgame;
  }

  /**
   * The pass after a HAVE for chunk {@code index} of {@code m} when the last pass was
   * {@link #quiet} and no deadline is due: every other want would fail as it did then, with the same
   * side effects, so only this chunk's want is tried — the same decision {@link #pump} makes.
   */
  private void pumpOne(ModelState m, int index, long now) {
    Want w = m == null ? null : m.wants.get(index);
    boolean started = false;
    if (w != null && w.queued() && !w.urgent() && active < config.maxDownloads()) {
      started = tryStart(w, now);
      if (started) {
        lastServed = m.digest;
      } else {
        sleep(w, now);
      }
    }
    endgame(now); // returns at once: no model is near its endgame (quiet says so)
    long asked = leaseRequests;
    askLeases(now); // sends nothing new unless this want's gathering made the difference, as in pump
    quiet = !started && leaseRequests == asked;
  }

  /**
   * Models take turns: each round starts at most one prefetch fetch per model, beginning after the
   * last served. Returns true if every queued want was tried and none started.
   */
  private boolean prefetch(long now) {
    if (active >= config.maxDownloads()) {
      return false; // no slot: the walk below would start nothing (most events of a busy node end here)
    }
    wakeCapSleepers();
    List<ModelState> turn = new ArrayList<>();
    for (ModelState m : models.values()) {
      wakeDue(m, now);
      if (!m.ready.isEmpty()) {
        turn.add(m);
      }
    }
    if (turn.isEmpty()) {
      return true;
    }
    boolean started = false;
    int n = turn.size();
    // Each model's ready wants are walked once per pass, in order: the cursor is the next one to try
    // (trying a want moves only that want: a start dequeues it, a vain try may put it to sleep).
    Want[] cursor = new Want[n];
    for (int k = 0; k < n; k++) {
      cursor[k] = turn.get(k).ready.first();
    }
    int start = 0;
    while (start < n && lastServed != null && turn.get(start).digest.compareTo(lastServed) <= 0) {
      start++;
    }
    boolean more = true;
    while (more && active < config.maxDownloads()) {
      more = false;
      for (int j = 0; j < n && active < config.maxDownloads(); j++) {
        int k = (start + j) % n;
        ModelState m = turn.get(k);
        while (cursor[k] != null) {
          Want w = cursor[k];
          cursor[k] = m.ready.higher(w);
          if (tryStart(w, now)) {
            started = true;
            lastServed = m.digest;
            break;
          }
          sleep(w, now);
        }
        more |= cursor[k] != null;
      }
    }
    return !started; // nothing started: active is unchanged, so the loop ended with every cursor done
  }

  /**
   * After {@code tryStart(w, now)} failed for a queued prefetch want: puts it to sleep if every
   * pass until it wakes would try it in vain and change nothing — so a pass skips it and decides
   * exactly as if it had tried it. It sleeps while the memo of its blocked holders holds (until
   * {@link Want#blockedUntil}, a holder more or fewer, or a full peer freeing a slot) or no
   * connected peer holds it, and while its path past the peers is closed: the origin backoff
   * ({@link Want#originNotBefore}), a lease wait, the lease request in flight, a reachable holder
   * to wait for, or — for a chunk a lease request would carry — no request the model may send
   * ({@link #mayAsk}). A lease answer wakes the wants it names (or was asked about); a lease request
   * going unanswered wakes every want. Wants that may start from the origin (no tracker, a lease,
   * the tracker down) stay awake. {@link #sleepersProblem} is the check of this rule for tests.
   */
  private void sleep(Want w, long now) {
    ModelState m = w.model;
    boolean memo = w.blocked && now < w.blockedUntil && (w.blockedCapFrees < 0 || w.blockedCapFrees == capFrees);
    if (!memo && m.peersHolding[w.id.index()] != 0) {
      return; // bestPeer would scan the holders again
    }
    long until = memo ? w.blockedUntil : Long.MAX_VALUE;
    boolean onAsk = false;
    if (now < w.originNotBefore) {
      until = Math.min(until, w.originNotBefore);
    } else if (!tracker || trackerDown || w.lease == Want.Lease.GRANTED) {
      return;
    } else if (w.lease == Want.Lease.WAITING) {
      until = Math.min(until, w.leaseWaitUntil); // not over: tryStart has just ended an expired wait
    } else {
      onAsk = w.lease == Want.Lease.NONE && !w.reachable;
    }
    if (!w.asleep) {
      m.ready.remove(w);
    }
    w.asleep = true;
    w.sleepNumber++;
    w.wakeAt = until;
    w.wakeOnAsk = onAsk;
    if (until != Long.MAX_VALUE) {
      m.sleeping.add(until, w);
    }
    if (onAsk && !w.inAskList) {
      w.inAskList = true;
      m.askSleepers.add(w);
    }
    if (memo && w.blockedCapFrees >= 0 && !w.inCapList) {
      w.inCapList = true;
      capSleepers.add(w);
    }
  }

  /**
   * For tests: null if every sleeping want would still be tried in vain by a pass now (or wakes at
   * the start of the next pass), else what is wrong — a state change that can make a want
   * startable but did not wake it would show here.
   */
  String sleepersProblem() {
    long now = ticker.nanos();
    for (ModelState m : models.values()) {
      for (Want w : m.wants.values()) {
        if (!w.asleep) {
          continue;
        }
        boolean memo = w.blocked && now < w.blockedUntil && (w.blockedCapFrees < 0 || w.blockedCapFrees == capFrees);
        boolean capWakes = w.blocked && w.blockedCapFrees >= 0 && w.blockedCapFrees != capFrees && w.inCapList;
        if (w.wakeAt <= now || capWakes || (w.wakeOnAsk && mayAsk(m, now))) {
          continue; // the next pass wakes it first
        }
        boolean noHolder = m.peersHolding[w.id.index()] == 0;
        boolean reachable = memo && w.reachable;
        String problem = null;
        if (!memo && !noHolder) {
          problem = "its memo of blocked holders has expired";
        } else if (now >= w.originNotBefore) {
          if (!tracker || trackerDown || w.lease == Want.Lease.GRANTED) {
            problem = "it may go to the origin (lease " + w.lease + ", tracker down " + trackerDown + ")";
          } else if (w.lease == Want.Lease.WAITING && now >= w.leaseWaitUntil) {
            problem = "its lease wait is over";
          } else if (w.lease == Want.Lease.NONE && !reachable && !w.wakeOnAsk) {
            problem = "a lease request would carry it";
          }
        }
        if (problem != null) {
          return "chunk " + w.id + " sleeps though " + problem;
        }
      }
    }
    return null;
  }

  /**
   * Whether a lease request gathered by this pass would be sent (askLeases): otherwise the chunks
   * tryStart gathers are dropped, and a want that would only be gathered may sleep.
   */
  private boolean mayAsk(ModelState m, long now) {
    return !trackerDown && m.asking == null && now >= m.askNotBefore && m.leases.size() < 2 * config.maxOriginFetches();
  }

  /** Wakes the model's wants whose time has come, and those a lease request would carry if one may go out. */
  private void wakeDue(ModelState m, long now) {
    for (Want w = m.sleeping.pollDue(now); w != null; w = m.sleeping.pollDue(now)) {
      wake(w);
    }
    if (!m.askSleepers.isEmpty() && mayAsk(m, now)) {
      for (Want w : m.askSleepers) {
        w.inAskList = false;
        if (w.asleep && w.wakeOnAsk) {
          wake(w);
        }
      }
      m.askSleepers.clear();
    }
  }

  /** Wakes the sleeping wants whose memo a full peer made, once any full peer has freed a slot since. */
  private void wakeCapSleepers() {
    if (capFreesSeen == capFrees) {
      return;
    }
    capFreesSeen = capFrees;
    Iterator<Want> it = capSleepers.iterator();
    while (it.hasNext()) {
      Want w = it.next();
      boolean stillValid = w.asleep && w.blocked && w.blockedCapFrees == capFrees;
      if (!stillValid) {
        it.remove();
        w.inCapList = false;
        if (w.asleep && w.blockedCapFrees >= 0) {
          wake(w);
        }
      }
    }
  }

  /**
   * Starts a fetch for a queued want if its path allows one now; otherwise gathers it for a lease
   * request or notes when to look again. Returns true if a fetch started.
   */
  private boolean tryStart(Want w, long now) {
    boolean stillBlocked = w.blocked && now < w.blockedUntil && (w.blockedCapFrees < 0 || w.blockedCapFrees == capFrees);
    Peers.Peer p = stillBlocked ? null : bestPeer(w, now);
    if (p != null) {
      if (!download.ready(now)) {
        timers.add(download.next());
        return false;
      }
      start(w, Source.peer(p.id), false, now);
      return true;
    }
    // The waits below need no timers.add here: each deadline went into timers where it was set.
    if (now < w.originNotBefore) {
      return false;
    }
    if (!tracker) {
      return startOrigin(w, false, null, now);
    }
    if (w.lease == Want.Lease.GRANTED) {
      return startOrigin(w, true, null, now);
    }
    if (trackerDown && (w.need == Need.FOREGROUND || now >= graceEnd())) {
      return startOrigin(w, false, fallback, now);
    }
    if (w.lease == Want.Lease.WAITING) {
      if (now < w.leaseWaitUntil) {
        return false;
      }
      w.lease = Want.Lease.NONE;
    }
    // A connected peer holds it and is only busy, capped or briefly excluded: the tracker could
    // only answer "on a peer", so wait for that peer (its comeback is in timers) rather than ask.
    // Keeps lease requests near one per chunk nobody near holds (the simulator counted ~30 per
    // node per second before, most answered "on a peer": at 1,000 nodes beyond the tracker).
    if (w.lease == Want.Lease.NONE && !w.reachable) { // = !reachableHolder(w): p == null came from bestPeer or its memo
      ModelState m = w.model;
      int batch = m.paced ? PACED_BATCH_FACTOR * config.leaseBatch() : config.leaseBatch();
      if (m.asking == null && m.batch.size() < batch && m.leases.size() < 2 * config.maxOriginFetches()) {
        m.batch.add(w.id.index());
      }
    }
    return false;
  }

  private boolean startOrigin(Want w, boolean leased, Pacer extra, long now) {
    if (originActive >= config.maxOriginFetches()) {
      return false;
    }
    long notBefore = Math.max(w.originNotBefore, download.ready(now) ? now : download.next());
    notBefore = Math.max(notBefore, cancelled.until(w.id, Source.ORIGIN, now));
    if (extra != null && !extra.ready(now)) {
      notBefore = Math.max(notBefore, extra.next());
    }
    if (notBefore > now) {
      timers.add(notBefore);
      return false;
    }
    if (extra != null) {
      extra.started(now, w.size());
    }
    start(w, Source.ORIGIN, leased, now);
    return true;
  }

  /** When a fetch from {@code source} counts as stalled if no bytes come from {@code now} on. */
  private long stallDeadline(Source source, long now) {
    return now + (source instanceof Source.Origin ? ORIGIN_STALL_FACTOR * stallNanos : stallNanos);
  }

  private void start(Want w, Source source, boolean leased, long now) {
    if (w.queued()) {
      dequeue(w);
      inFlight.put(w.id, w);
    }
    Fetch f = new Fetch(source, now, stallDeadline(source, now), leased);
    w.fetches.add(f);
    timers.add(f.deadline());
    active++;
    download.started(now, w.size());
    if (f.fromOrigin()) {
      originActive++;
      originFetches++;
      if (!leased) {
        unleasedOriginFetches++;
      }
      actions.fetchFromOrigin(w.id, leased);
    } else {
      peers.get(f.peer()).active++;
      peerFetches++;
      w.fruitlessRounds = 0;
      actions.fetchFromPeer(f.peer(), w.id);
    }
  }

  /**
   * The usable peer for a want: holds it, is under its per-peer cap, not excluded for this chunk,
   * not already fetching it, no cancelled fetch of it pending; the least busy wins, ties by a
   * per-chunk hash. When holders exist but are all excluded, notes when the first comes back.
   */
  private Peers.Peer bestPeer(Want w, long now) {
    if (w.model.peersHolding[w.id.index()] == 0) {
      w.reachable = false;
      return null;
    }
    boolean reachable = false;
    Peers.Peer best = null;
    long bestHash = 0;
    long comeback = Long.MAX_VALUE;
    // What blocks the holders, for the memo in Want.blocked: until when, and whether a full peer does.
    long blockedUntil = w.queued() ? Long.MAX_VALUE : now;
    boolean capped = false;
    // Each lookup below is skipped when it cannot find anything (the walk runs after most events).
    Digest model = w.model.digest;
    int index = w.id.index();
    boolean anyExcluded = !w.excluded.isEmpty();
    boolean anyFetch = !w.fetches.isEmpty();
    boolean anyCancelled = cancelled.any(w.id);
    for (Peers.Peer p : peers.sorted()) {
      BitSet bits = p.bits(model);
      if (bits == null || !bits.get(index)) {
        continue;
      }
      Long excludedUntil = anyExcluded ? w.excluded.get(p.id) : null;
      reachable |= excludedUntil == null || excludedUntil != Long.MAX_VALUE;
      if (p.busyUntil > now) {
        comeback = Math.min(comeback, p.busyUntil);
        blockedUntil = Math.min(blockedUntil, p.busyUntil);
        continue;
      }
      if (excludedUntil != null && excludedUntil > now) {
        comeback = Math.min(comeback, excludedUntil);
        blockedUntil = Math.min(blockedUntil, excludedUntil);
        continue;
      }
      if (p.active >= config.maxPerPeer()) {
        capped = true;
        continue;
      }
      Source s = anyFetch || anyCancelled ? Source.peer(p.id) : null;
      if (anyFetch && w.fetchFrom(s) != null) {
        blockedUntil = now;
        continue;
      }
      long cancelledUntil = anyCancelled ? cancelled.until(w.id, s, now) : Long.MIN_VALUE;
      if (cancelledUntil != Long.MIN_VALUE) {
        blockedUntil = Math.min(blockedUntil, cancelledUntil);
        continue;
      }
      long hash = Mix.of(p.idHash, w.tie);
      if (best == null || p.active < best.active || (p.active == best.active && hash < bestHash)) {
        best = p;
        bestHash = hash;
      }
    }
    if (best == null && comeback != Long.MAX_VALUE) {
      timers.add(comeback);
    }
    w.blocked = best == null;
    w.reachable = reachable;
    w.blockedUntil = blockedUntil;
    w.blockedCapFrees = capped ? capFrees : -1;
    return best;
  }

  /**
   * True if this node has a free download slot and no queued want that a connected peer could
   * serve now or later ({@link #reachableHolder}; a peer in its BUSY backoff or at its cap counts):
   * only then does a chunk whose holders it cannot reach hold it up. The evidence behind a
   * "holders unreachable" flag (issue 9: at 1,000 nodes, 2,602 of 2,763 such origin leases went
   * to nodes with every slot busy fetching other chunks from peers — 19 model copies from the
   * origin). Order-independent, so walking the want map keeps decisions deterministic.
   */
  private boolean starved() {
    if (active >= config.maxDownloads()) {
      return false;
    }
    for (ModelState m : models.values()) {
      for (Want w : m.wants.values()) {
        if (w.queued() && reachableHolder(w)) {
          return false;
        }
      }
    }
    return true;
  }

  /**
   * True if a connected peer holds the chunk and may be asked for it now or later (busy, stalled
   * or lost-and-back peers come back; one that sent corrupt bytes does not).
   */
  private boolean reachableHolder(Want w) {
    if (w.model.peersHolding[w.id.index()] == 0) {
      return false;
    }
    for (Peers.Peer p : peers.all()) {
      if (p.has(w.id) && w.excluded.getOrDefault(p.id, 0L) != Long.MAX_VALUE) {
        return true;
      }
    }
    return false;
  }

  /** When few wanted chunks of a model remain, each outstanding one is also asked of a second peer. */
  private void endgame(long now) {
    if (config.endgameChunks() == 0 || inFlight.isEmpty() || active >= config.maxDownloads()) {
      return;
    }
    boolean any = false;
    for (ModelState m : models.values()) {
      any |= m.wants.size() <= config.endgameChunks();
    }
    if (!any) {
      return; // no want could qualify below
    }
    for (Want w : new ArrayList<>(inFlight.values())) {
      if (active >= config.maxDownloads()) {
        return;
      }
      if (w.fetches.size() != 1 || w.model.wants.size() > config.endgameChunks() || !download.ready(now)) {
        continue;
      }
      Peers.Peer p = bestPeer(w, now);
      if (p != null) {
        endgameDuplicates++;
        start(w, Source.peer(p.id), false, now);
      }
    }
  }

  /** One lease request per model with chunks gathered and none in flight; while the tracker is down, a probe. */
  private void askLeases(long now) {
    if (!tracker) {
      return;
    }
    boolean probed = false;
    for (ModelState m : models.values()) {
      if (m.asking != null) {
        m.batch.clear();
        continue;
      }
      if (trackerDown) {
        // The probe is a real lease request for the chunks still waiting (within the grace), so
        // the first answer already grants or places them.
        if (probed || now < nextProbe || (m.wants.isEmpty() && m.toRelease.isEmpty())) {
          m.batch.clear();
          continue;
        }
        probed = true;
        nextProbe = now + probeGap;
        timers.add(nextProbe);
      } else if ((m.batch.isEmpty() && m.toRelease.isEmpty()) || now < m.askNotBefore) {
        m.batch.clear(); // gathered again by the pass at askNotBefore (its timer is set)
        continue;
      }
      List<Integer> chunks = List.copyOf(m.batch);
      List<Integer> unreachable = new ArrayList<>();
      Boolean starved = null; // looked at once, and only if a chunk qualifies
      for (int c : chunks) {
        Want w = m.wants.get(c);
        if (w.fruitlessRounds >= FRUITLESS_ROUNDS) {
          if (!w.urgent() && starved == null) {
            starved = starved();
          }
          if (w.urgent() || starved) {
            unreachable.add(c); // still needed now: a node that got busy meanwhile asks plainly
          }
        }
      }
      List<Integer> release = List.copyOf(m.toRelease);
      m.batch.clear();
      m.toRelease.clear();
      for (int c : chunks) {
        m.wants.get(c).lease = Want.Lease.ASKED;
      }
      m.asking = chunks;
      m.askDeadline = now + stallNanos;
      timers.add(m.askDeadline);
      leaseRequests++;
      actions.requestLeases(m.digest, chunks, List.copyOf(unreachable), release);
    }
  }

  private static Want first(TreeSet<Want> set) {
    return set.isEmpty() ? null : set.first();
  }
}
