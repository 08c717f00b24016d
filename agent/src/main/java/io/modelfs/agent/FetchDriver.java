package io.modelfs.agent;

import io.modelfs.agent.metrics.FetchMetrics;
import io.modelfs.agent.metrics.MeteredLoads;
import io.modelfs.core.ChunkRef;
import io.modelfs.core.Digest;
import io.modelfs.core.ModelRef;
import io.modelfs.p2p.PeerFetchException;
import io.modelfs.p2p.SwarmListener;
import io.modelfs.schedule.Actions;
import io.modelfs.schedule.ChunkId;
import io.modelfs.schedule.Failure;
import io.modelfs.schedule.Need;
import io.modelfs.schedule.SchedulerConfig;
import io.modelfs.schedule.Source;
import io.modelfs.schedule.SwarmScheduler;
import io.modelfs.schedule.Ticker;
import io.modelfs.store.ChunkStore;
import io.modelfs.store.ChunkVerificationException;
import io.modelfs.tracker.TrackerClient;
import io.modelfs.tracker.TrackerException;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drives the node's {@link SwarmScheduler} with real I/O: the one place where chunks are fetched.
 *
 * <p>Design note. One thread ({@code fetch-scheduler-<node>}) owns the scheduler and the state
 * marked "loop" below: readers' wants, the swarm's news (peers, BITFIELD, HAVE, DROPPED), the
 * outcomes of fetches and lease requests and the ticks are all posted to it as tasks, so the
 * scheduler sees one event at a time and is never re-entered. The scheduler's commands run
 * asynchronously and never block the loop: a peer fetch is a store load (single flight, verified
 * while it streams in) whose loader runs {@link SwarmLink#fetch} on a store fetch thread; an
 * origin fetch is the model's {@link ModelLoader} (bounded retries per binding); a lease request
 * is one {@link TrackerClient#lease} call on the lease thread; a cancel flags the fetch so that
 * its sink refuses the next bytes. Every outcome comes back as an event (the scheduler also
 * expects those of cancelled fetches). A chunk that fails verification bans the peer that sent
 * it. Waiters — a reader blocked on a chunk, a pull — are futures completed when the chunk is
 * verified, failed when the origin failed it for good and no connected peer holds it, and
 * bounded by the caller's timeout, so nothing waits forever.
 *
 * <p>Thread-safety: every method may be called from any thread.
 */
final class FetchDriver implements SwarmListener, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(FetchDriver.class);
  /** Ticks at least this often even when the scheduler names no deadline (cheap; a safety net). */
  private static final long IDLE_TICK_MILLIS = 500;

  /** Where a waited-for chunk came from (the metrics' source: local, peer or origin). */
  record From(io.modelfs.agent.metrics.Source source) {
    static final From LOCAL = new From(io.modelfs.agent.metrics.Source.LOCAL);
    static final From PEER = new From(io.modelfs.agent.metrics.Source.PEER);
    static final From ORIGIN = new From(io.modelfs.agent.metrics.Source.ORIGIN);

    static From of(Source s) {
      return s instanceof Source.Origin ? ORIGIN : PEER;
    }
  }

  /** A model the scheduler serves (loop). */
  private static final class Served {
    final ModelChunks chunks;
    final ModelLoader loader;
    int pulls;
    /** The model's chunks the store holds, as this driver saw them verified or evicted (loop). */
    BitSet local = new BitSet();
    /** Whether {@link #onModelLocal} listeners were told the model is whole since it last lost a chunk. */
    boolean toldWhole;

    Served(ModelChunks chunks, ModelLoader loader) {
      this.chunks = chunks;
      this.loader = loader;
    }
  }

  /** Who waits for a chunk, and how urgently (loop). */
  private static final class Waiting {
    Need need;
    final List<CompletableFuture<From>> futures = new ArrayList<>(1);

    Waiting(Need need) {
      this.need = need;
    }
  }

  private record Running(Source from, ChunkId chunk) {}

  private final String self;
  private final ChunkStore store;
  private final SwarmLink link;
  private final TrackerLink tracker;
  private final ScheduledThreadPoolExecutor loop;
  private final ExecutorService leases;
  private final SwarmScheduler scheduler;
  private volatile FetchMetrics metrics = FetchMetrics.NONE;
  private final LeaseBook leaseBook = new LeaseBook(); // loop
  private volatile boolean closed;

  // loop
  private final Map<Digest, Served> models = new HashMap<>();
  private final List<BiConsumer<ModelRef, List<Digest>>> wholeListeners = new java.util.concurrent.CopyOnWriteArrayList<>();
  private final Map<ChunkId, Waiting> waiting = new HashMap<>();
  private final Map<Running, AtomicBoolean> running = new HashMap<>();
  private final Set<Digest> stale = new HashSet<>();
  private ScheduledFuture<?> nextTick;
  private long nextTickAt = Long.MAX_VALUE;

  /**
   * @param link the swarm (or {@link SwarmLink#NONE}); its tracker, if any, hands out leases
   */
  FetchDriver(String self, SchedulerConfig config, ChunkStore store, SwarmLink link) {
    this.self = self;
    this.store = store;
    this.link = link;
    this.tracker = link.tracker();
    this.loop = new ScheduledThreadPoolExecutor(1, r -> {
      Thread t = new Thread(r, "fetch-scheduler-" + self);
      t.setDaemon(true);
      return t;
    });
    loop.setRemoveOnCancelPolicy(true);
    this.leases = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "fetch-leases-" + self);
      t.setDaemon(true);
      return t;
    });
    this.scheduler = new SwarmScheduler(self, tracker != null ? config : staticSwarm(config), Ticker.system(), new Io(),
        tracker != null);
    loop.scheduleWithFixedDelay(() -> event("tick", scheduler::tick), IDLE_TICK_MILLIS, IDLE_TICK_MILLIS,
        TimeUnit.MILLISECONDS);
    link.listen(this);
    for (String peer : link.connected()) {
      peerConnected(peer);
    }
  }

  /**
   * Without a tracker the scheduler sends a want to the origin as soon as no peer can take it
   * now, and a static swarm has few peers: so one peer may carry all of this node's downloads,
   * or a node whose neighbour holds the model would fetch from the origin whenever that
   * neighbour has {@code maxPerPeer} fetches outstanding.
   */
  private static SchedulerConfig staticSwarm(SchedulerConfig c) {
    return new SchedulerConfig(c.maxDownloads(), c.maxDownloads(), c.maxOriginFetches(), c.downloadBytesPerSecond(),
        c.uploadSlots(), c.uploadBytesPerSecond(), c.peerStall(), c.leaseWait(), c.leaseBatch(), c.endgameChunks(),
        c.fallbackOriginBytesPerSecond());
  }

  /** Where peer fetches are recorded (the agent's metrics); until called, nowhere. */
  void useMetrics(FetchMetrics metrics) {
    this.metrics = metrics;
  }

  /** Where lease requests, waits and unleased fallbacks are recorded; until called, nowhere. */
  void useLeaseMetrics(io.modelfs.agent.metrics.LeaseMetrics metrics) {
    leaseBook.use(metrics);
  }

  /** Origin leases this node holds now, as far as the driver has seen (granted, not yet fetched or given back). */
  int leasesHeld() {
    return leaseBook.held();
  }

  // ---- models and wants (any thread)

  /** Serves a model: the scheduler learns its chunks, what the store holds and what peers announced of it. */
  void open(ModelChunks chunks, ModelLoader loader) {
    post("open " + chunks.ref(), () -> {
      if (models.putIfAbsent(chunks.model(), new Served(chunks, loader)) != null) {
        return;
      }
      BitSet held = chunks.held(store);
      Served s = models.get(chunks.model());
      s.local = (BitSet) held.clone();
      scheduler.open(chunks.model(), chunks.sizes(), held);
      seedPeers(chunks);
      checkWhole(s);
    });
  }

  /**
   * Wants chunk {@code index} of a served model at {@code need}; the future completes when it is
   * local (at once if it is), or exceptionally when the origin failed it for good.
   */
  CompletableFuture<From> want(ModelChunks chunks, int index, Need need) {
    if (store.contains(chunks.digest(index))) {
      return CompletableFuture.completedFuture(From.LOCAL);
    }
    CompletableFuture<From> f = new CompletableFuture<>();
    post("want " + chunks.ref() + " #" + index, () -> {
      wait(chunks, index, need, f);
      scheduler.want(new ChunkId(chunks.model(), index), need);
    });
    return f;
  }

  /**
   * Waits up to {@code timeout} for chunk {@code index} as a blocked reader (FOREGROUND: a queued
   * prefetch of it is promoted). Throws an IOException naming file, chunk and cause on a failure
   * or the timeout.
   */
  void await(ModelChunks chunks, int index, Need need, Duration timeout) throws IOException {
    CompletableFuture<From> f = want(chunks, index, need);
    String what = "chunk " + chunks.chunkInFile(index) + " of '" + chunks.file(index).path() + "' (offset "
        + (long) chunks.chunkInFile(index) * chunks.manifest().chunkSize() + ")";
    try {
      f.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      f.cancel(false);
      ChunkId id = new ChunkId(chunks.model(), index);
      post("gave up on " + id, () -> gaveUp(id));
      throw new IOException(what + " could not be fetched: timed out after " + timeout.toSeconds() + " s", e);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      throw cause instanceof IOException io ? io : new IOException(what + " could not be fetched: " + cause, cause);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted waiting for " + what, e);
    }
  }

  /**
   * A pull: every chunk of the model the store lacks, wanted at PREFETCH (one {@code wantAll});
   * returns a future per missing model-wide index.
   */
  Map<Integer, CompletableFuture<From>> pull(ModelChunks chunks) {
    Map<Integer, CompletableFuture<From>> missing = new LinkedHashMap<>();
    for (int i = 0; i < chunks.count(); i++) {
      if (!store.contains(chunks.digest(i))) {
        missing.put(i, new CompletableFuture<>());
      }
    }
    if (missing.isEmpty()) {
      return missing;
    }
    post("pull " + chunks.ref(), () -> {
      missing.forEach((i, f) -> wait(chunks, i, Need.PREFETCH, f));
      Served s = models.get(chunks.model());
      if (s != null) {
        s.pulls++;
      }
      scheduler.wantAll(chunks.model(), Need.PREFETCH);
      CompletableFuture.allOf(missing.values().toArray(new CompletableFuture<?>[0]))
          .whenComplete((ok, e) -> post("pull done " + chunks.ref(), () -> {
            if (s != null) {
              s.pulls--;
            }
          }));
    });
    return missing;
  }

  /** The store dropped {@code digest}: the scheduler's view of a served model holding it is reset on its next want. */
  void evicted(Digest digest) {
    post("evicted " + digest.shortHex(), () -> {
      for (Served s : models.values()) {
        int[] indices = s.chunks.indices(digest);
        if (indices.length > 0) {
          stale.add(s.chunks.model());
          for (int i : indices) {
            s.local.clear(i);
          }
          s.toldWhole = false;
        }
      }
    });
  }

  /** The scheduler's counters (asked on the loop; null if it does not answer within a second). */
  SwarmScheduler.Stats stats() {
    try {
      return CompletableFuture.supplyAsync(scheduler::stats, loop).get(1, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    } catch (ExecutionException | TimeoutException | RejectedExecutionException e) {
      return null;
    }
  }

  // ---- the swarm (SwarmListener, Netty threads)

  @Override
  public void peerConnected(String peer) {
    post("peer " + peer + " connected", () -> scheduler.peerConnected(peer));
  }

  @Override
  public void peerLost(String peer) {
    post("peer " + peer + " lost", () -> scheduler.peerLost(peer));
  }

  @Override
  public void bitfield(String peer, Digest model, BitSet held) {
    post("bitfield of " + peer, () -> scheduler.have(peer, model, held));
  }

  @Override
  public void have(String peer, Digest model, List<Integer> chunks) {
    post("HAVE from " + peer, () -> chunks.forEach(i -> scheduler.have(peer, new ChunkId(model, i))));
  }

  @Override
  public void dropped(String peer, Digest model, List<Integer> chunks) {
    post("DROPPED from " + peer, () -> chunks.forEach(i -> scheduler.dropped(peer, new ChunkId(model, i))));
  }

  // ---- on the loop

  /** Registers a waiter; resets the scheduler's view of the model first if the store lost one of its chunks. */
  private void wait(ModelChunks chunks, int index, Need need, CompletableFuture<From> f) {
    if (store.contains(chunks.digest(index))) {
      f.complete(From.LOCAL);
      return;
    }
    ChunkId id = new ChunkId(chunks.model(), index);
    if (stale.contains(chunks.model()) || scheduler.holds(id)) {
      reopen(chunks.model());
    }
    Waiting w = waiting.computeIfAbsent(id, k -> new Waiting(need));
    w.futures.removeIf(CompletableFuture::isDone);
    w.futures.add(f);
    if (need.above(w.need)) {
      w.need = need;
    }
  }

  /** A waiter gave up: if nobody else waits for the chunk and no pull wants its model, the scheduler drops the want. */
  private void gaveUp(ChunkId id) {
    Waiting w = waiting.get(id);
    if (w != null) {
      w.futures.removeIf(CompletableFuture::isDone);
      if (!w.futures.isEmpty()) {
        return;
      }
      waiting.remove(id);
    }
    Served s = models.get(id.model());
    if (s != null && s.pulls == 0) {
      scheduler.unwant(id);
    }
  }

  /** Closes and opens the model again with what the store holds now, and wants again what is waited for. */
  private void reopen(Digest model) {
    stale.remove(model);
    Served s = models.get(model);
    if (s == null) {
      return;
    }
    log.info("node {}: the store lost chunks of {}; rescheduling it", self, s.chunks.ref());
    scheduler.close(model);
    scheduler.open(model, s.chunks.sizes(), s.chunks.held(store));
    seedPeers(s.chunks);
    waiting.forEach((id, w) -> {
      if (id.model().equals(model)) {
        scheduler.want(id, w.need);
      }
    });
    if (s.pulls > 0) {
      scheduler.wantAll(model, Need.PREFETCH);
    }
  }

  private void seedPeers(ModelChunks chunks) {
    link.peerHoldings(chunks.model()).forEach((peer, bits) -> {
      if (bits.length() <= chunks.count()) {
        scheduler.have(peer, chunks.model(), bits);
      }
    });
  }

  private void fetched(ChunkId chunk, Source from, Throwable error, boolean wasCancelled) {
    leaseBook.fetchEnded(chunk, System.nanoTime());
    Served s = models.get(chunk.model());
    Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    if (s == null) {
      return;
    }
    Digest digest = s.chunks.digest(chunk.index());
    if (cause == null || store.contains(digest)) {
      verified(digest, chunk, from);
      return;
    }
    scheduler.fetchFailed(chunk, from, wasCancelled ? Failure.STALLED : failure(cause, from));
    // The origin failed it for good: the waiters are told, unless a connected peer holds the chunk
    // (its bitfield arrived after the origin was asked): the scheduler fetches it from there, and
    // the waiters' own timeouts still bound the wait. (CI 2026-11-28 18:57: a trackerless pull
    // failed on the origin's NotFound while the peer that held the model was being asked; the
    // peer's endgame fetch had joined the origin's load in the store and failed with it.)
    if (from instanceof Source.Origin && !wasCancelled && !cancelled(cause) && !scheduler.onReachablePeer(chunk)) {
      Waiting w = waiting.remove(chunk);
      if (w != null) {
        IOException e = cause instanceof IOException io ? io : new IOException(cause.toString(), cause);
        w.futures.forEach(f -> f.completeExceptionally(e));
      }
      if (s.pulls == 0) {
        scheduler.unwant(chunk); // the readers were told; the next read asks again
      }
    }
  }

  /** The chunk is local: every index of every served model that is this chunk is verified, announced and released. */
  private void verified(Digest digest, ChunkId fetched, Source from) {
    for (Served s : models.values()) {
      for (int index : s.chunks.indices(digest)) {
        ChunkId id = new ChunkId(s.chunks.model(), index);
        scheduler.chunkVerified(id, from);
        link.verified(id.model(), index);
        Waiting w = waiting.remove(id);
        if (w != null) {
          w.futures.forEach(f -> f.complete(From.of(from)));
        }
        s.local.set(index);
      }
      checkWhole(s);
    }
  }

  /**
   * Tells the {@link #onModelLocal} listeners once when every chunk of a served model is local —
   * by reads, readahead, a pull or peers, or found whole in the store when opened (loop).
   */
  private void checkWhole(Served s) {
    if (!s.toldWhole && s.local.cardinality() == s.chunks.count()) {
      s.toldWhole = true;
      List<Digest> digests = new ArrayList<>(new java.util.LinkedHashSet<>(
          java.util.stream.IntStream.range(0, s.chunks.count()).mapToObj(s.chunks::digest).toList()));
      for (BiConsumer<ModelRef, List<Digest>> l : wholeListeners) {
        try {
          l.accept(s.chunks.ref(), digests);
        } catch (RuntimeException e) {
          log.warn("node {}: a listener for model {} being whole failed", self, s.chunks.ref(), e);
        }
      }
    }
  }

  /** {@code listener} is told (on the driver's thread; it must not block) each time a served model becomes whole locally. */
  void onModelLocal(BiConsumer<ModelRef, List<Digest>> listener) {
    wholeListeners.add(listener);
  }

  /** True if the fetch failed because the scheduler cancelled it (anywhere in the cause chain). */
  private static boolean cancelled(Throwable cause) {
    for (Throwable t = cause; t != null; t = t.getCause()) {
      if (t instanceof Cancellable.CancelledException) {
        return true;
      }
    }
    return false;
  }

  private static Failure failure(Throwable cause, Source from) {
    if (cause instanceof ChunkVerificationException) {
      return Failure.CORRUPT;
    }
    if (cancelled(cause)) {
      return Failure.STALLED;
    }
    if (cause instanceof PeerFetchException p) {
      return switch (p.reason()) {
        case BUSY -> Failure.BUSY;
        case NOT_FOUND -> Failure.NOT_FOUND;
        case TIMEOUT -> Failure.STALLED;
        case DISCONNECTED, ERROR -> Failure.DISCONNECTED;
      };
    }
    return from instanceof Source.Origin ? Failure.ORIGIN_ERROR : Failure.LOCAL_ERROR;
  }

  private ChunkStore.Priority priorityOf(ChunkId chunk) {
    Waiting w = waiting.get(chunk);
    Need need = w == null ? Need.PREFETCH : w.need;
    return switch (need) {
      case FOREGROUND -> ChunkStore.Priority.FOREGROUND;
      case READAHEAD -> ChunkStore.Priority.READAHEAD;
      case PREFETCH -> ChunkStore.Priority.PREFETCH;
    };
  }

  /** Runs {@code task} on the loop, then arranges the next tick; a failing task is logged, never fatal. */
  private void post(String what, Runnable task) {
    if (closed) {
      return;
    }
    try {
      loop.execute(() -> event(what, task));
    } catch (RejectedExecutionException e) {
      log.debug("node {}: {} after close, dropped", self, what);
    }
  }

  private void event(String what, Runnable task) {
    try {
      task.run();
    } catch (RuntimeException e) {
      log.error("node {}: scheduler event '{}' failed", self, what, e);
    }
    try {
      long deadline = scheduler.nextDeadline();
      if (deadline != Long.MAX_VALUE && deadline < nextTickAt) {
        if (nextTick != null) {
          nextTick.cancel(false);
        }
        nextTickAt = deadline;
        long delay = Math.max(0, deadline - System.nanoTime());
        nextTick = loop.schedule(() -> {
          nextTick = null;
          nextTickAt = Long.MAX_VALUE;
          event("tick", scheduler::tick);
        }, delay, TimeUnit.NANOSECONDS);
      }
    } catch (RuntimeException | Error e) {
      if (!(e instanceof RejectedExecutionException)) {
        log.error("node {}: scheduling the next tick failed", self, e);
      }
    }
  }

  /** Stops the loop and the lease thread; waiters still pending fail with an IOException. */
  @Override
  public void close() {
    closed = true;
    link.listen(SwarmListener.NONE);
    try {
      loop.submit(() -> {
        IOException gone = new IOException("the agent is stopping");
        log.info("node {}: fetch scheduler at stop: {}", self, scheduler.stats());
        waiting.values().forEach(w -> w.futures.forEach(f -> f.completeExceptionally(gone)));
        waiting.clear();
        running.values().forEach(flag -> flag.set(true));
      }).get(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException | RejectedExecutionException e) {
      log.warn("node {}: stopping the fetch scheduler: {}", self, e.toString());
    }
    loop.shutdownNow();
    leases.shutdownNow();
  }

  private static final long PROGRESS_EVERY_NANOS = java.util.concurrent.TimeUnit.SECONDS.toNanos(1);

  /**
   * The cancellation check a fetch's sink makes before each write, which also tells the scheduler
   * (at most once a second) that bytes are arriving, so a slow but moving fetch is not abandoned
   * as stalled ({@link io.modelfs.schedule.SwarmScheduler#progress}).
   */
  private java.util.function.BooleanSupplier watched(AtomicBoolean cancelled, ChunkId chunk, Source from) {
    java.util.concurrent.atomic.AtomicLong last = new java.util.concurrent.atomic.AtomicLong(System.nanoTime());
    return () -> {
      long now = System.nanoTime();
      long before = last.get();
      if (now - before >= PROGRESS_EVERY_NANOS && last.compareAndSet(before, now)) {
        post("progress of " + chunk + " from " + from, () -> scheduler.progress(chunk, from));
      }
      return cancelled.get();
    };
  }

  /** The scheduler's commands; called on the loop only, from inside a scheduler event. */
  private final class Io implements Actions {
    @Override
    public void fetchFromPeer(String peer, ChunkId chunk) {
      Served s = models.get(chunk.model());
      Source from = Source.peer(peer);
      if (s == null) {
        post("orphan fetch", () -> scheduler.fetchFailed(chunk, from, Failure.NOT_FOUND));
        return;
      }
      AtomicBoolean cancelled = track(from, chunk);
      ChunkRef ref = s.chunks.chunk(chunk.index());
      MeteredLoads.ensure(store, ref, priorityOf(chunk), "peer " + peer, io.modelfs.agent.metrics.Source.PEER,
              (c, sink) -> {
                if (cancelled.get()) {
                  throw new Cancellable.CancelledException("chunk " + chunk + " from peer " + peer);
                }
                link.fetch(peer, c, Cancellable.sink(sink, watched(cancelled, chunk, from)));
              }, metrics, Clock.systemUTC())
          .whenComplete((ok, e) -> {
            Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
            if (cause instanceof ChunkVerificationException) {
              try (var mdc = org.slf4j.MDC.putCloseable("chunk", ref.digest().hex())) { // on the ban's log line (issue 10)
                link.penalise(peer, "sent bytes of chunk " + chunk.index() + " of " + s.chunks.ref() + " that failed"
                    + " verification: " + cause.getMessage());
              }
            }
            post("fetched " + chunk + " from " + peer, () -> {
              running.remove(new Running(from, chunk));
              fetched(chunk, from, e, cancelled.get());
            });
          });
    }

    @Override
    public void fetchFromOrigin(ChunkId chunk, boolean leased) {
      Served s = models.get(chunk.model());
      if (s == null) {
        post("orphan fetch", () -> scheduler.fetchFailed(chunk, Source.ORIGIN, Failure.NOT_FOUND));
        return;
      }
      AtomicBoolean cancelled = track(Source.ORIGIN, chunk);
      if (!leased && tracker != null) {
        leaseBook.metrics().unleasedFallback();
      }
      s.loader.fromOrigin(s.chunks.file(chunk.index()), s.chunks.chunkInFile(chunk.index()), priorityOf(chunk),
              watched(cancelled, chunk, Source.ORIGIN))
          .whenComplete((ok, e) -> post("fetched " + chunk + " from the origin", () -> {
            running.remove(new Running(Source.ORIGIN, chunk));
            fetched(chunk, Source.ORIGIN, e, cancelled.get());
          }));
    }

    @Override
    public void requestLeases(Digest model, List<Integer> chunks, List<Integer> released) {
      requestLeases(model, chunks, List.of(), released);
    }

    @Override
    public void requestLeases(Digest model, List<Integer> chunks, List<Integer> unreachable, List<Integer> released) {
      TrackerLink t = tracker;
      if (t == null) {
        post("lease without tracker", () -> scheduler.trackerUnavailable(model));
        return;
      }
      List<Integer> ask = List.copyOf(chunks);
      List<Integer> cut = List.copyOf(unreachable);
      List<Integer> giveBack = List.copyOf(released);
      leaseBook.released(model, giveBack);
      try {
        leases.execute(() -> lease(t, model, ask, cut, giveBack));
      } catch (RejectedExecutionException e) {
        log.debug("node {}: lease request after close", self);
      }
    }

    @Override
    public void cancel(Source from, ChunkId chunk) {
      AtomicBoolean flag = running.get(new Running(from, chunk));
      if (flag != null) {
        flag.set(true);
      }
    }

    private AtomicBoolean track(Source from, ChunkId chunk) {
      AtomicBoolean flag = new AtomicBoolean();
      running.put(new Running(from, chunk), flag);
      return flag;
    }
  }

  /** On the lease thread: one tracker call, its answer posted back. */
  private void lease(TrackerLink t, Digest model, List<Integer> chunks, List<Integer> unreachable, List<Integer> released) {
    long started = System.nanoTime();
    io.modelfs.agent.metrics.LeaseMetrics.Outcome outcome = io.modelfs.agent.metrics.LeaseMetrics.Outcome.UNAVAILABLE;
    try {
      if (!unreachable.isEmpty()) {
        log.info("node {}: reached no holder of chunks {} of model {} for several lease waits; asking the tracker"
            + " for origin leases on them", self, unreachable, model.shortHex());
      }
      TrackerClient.Leases l = t.client().lease(t.nodeId(), model, chunks, unreachable, released);
      outcome = io.modelfs.agent.metrics.LeaseMetrics.Outcome.ANSWERED;
      log.debug("node {}: lease request for {} chunks of model {} answered in {} ms ({} granted, {} on peers, {} busy)",
          self, chunks.size(), model.shortHex(), (System.nanoTime() - started) / 1_000_000, l.granted().size(),
          l.onPeers().size(), l.busy().size());
      post("lease answer", () -> {
        leaseBook.answered(model, l.granted(), l.onPeers(), l.busy(), System.nanoTime());
        scheduler.leaseAnswer(model, l.granted(), l.onPeers(), l.busy(), l.nextAsk().toMillis());
      });
      if (!l.onPeers().isEmpty()) {
        t.neighbours().refreshSoon();
      }
    } catch (TrackerException e) {
      switch (e.code()) {
        case UNAVAILABLE, UNKNOWN_MODEL, INVALID -> {
          log.warn("node {}: no answer to a lease request for model {} after {} ms ({}: {}); asking again with"
              + " backoff; if the tracker stays unreachable, chunks a reader is blocked on come from the origin under"
              + " the per-node fallback rate, pull/prefetch after a grace", self, model.shortHex(),
              (System.nanoTime() - started) / 1_000_000, e.code(), e.getMessage());
          post("tracker unavailable", () -> scheduler.trackerUnavailable(model));
        }
        default -> {
          // Not registered yet, a leader change: nothing granted; the scheduler asks again after its lease wait.
          outcome = io.modelfs.agent.metrics.LeaseMetrics.Outcome.REFUSED;
          log.info("node {}: lease request for model {} refused ({}: {}); asking again later", self, model.shortHex(),
              e.code(), e.getMessage());
          post("lease refused", () -> scheduler.leaseAnswer(model, List.of(), List.of(), chunks));
        }
      }
    } catch (RuntimeException e) {
      log.error("node {}: lease request for model {} failed", self, model.shortHex(), e);
      post("tracker unavailable", () -> scheduler.trackerUnavailable(model));
    } finally {
      leaseBook.metrics().requested(outcome, java.time.Duration.ofNanos(System.nanoTime() - started));
    }
  }
}
