package io.modelfs.agent.http;

import io.modelfs.core.proto.SwarmViewProto;
import io.modelfs.tracker.TrackerClient;
import io.modelfs.tracker.TrackerException;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The swarm as the tracker sees it, for {@code /api/swarm}, the dashboard, {@code modelfs status}
 * and readiness (of agents and tracker replicas alike).
 *
 * <p>The whole swarm view is one read-only query to the leader whose answer grows with the fleet,
 * so asking for it from every node all the time costs the leader O(nodes²) per interval. It is
 * therefore fetched <b>on demand</b>: every {@link #EVERY} while someone has read {@link #state()}
 * within the last {@link #IDLE_AFTER} (the dashboard polls it once a second), not at all otherwise.
 * The first read after an idle spell returns the last view (its age says how old) and asks for a
 * fresh one at once; {@link #state(Duration)} waits a bounded time for it (a one-shot CLI).
 * HTTP requests never wait on the tracker.
 *
 * <p>As a {@link HealthCheck} it is UP while the tracker answers and DEGRADED when it has not
 * answered for {@link #STALE} (the agent then serves from its manifests locations, peers and the
 * origin). A readiness probe does not keep the whole view coming: with a {@code session} (the
 * node's tracker session, which calls the tracker anyway) an idle view is judged by whether the
 * session's last call got through; without one, probes fetch the view at most every {@link
 * #PROBE_EVERY}. Thread-safe.
 */
public final class TrackerView implements HealthCheck, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(TrackerView.class);
  static final Duration EVERY = Duration.ofSeconds(1);
  static final Duration STALE = Duration.ofSeconds(10);
  /** How long after the last read of {@link #state()} the view keeps being refreshed. */
  static final Duration IDLE_AFTER = Duration.ofSeconds(30);
  /** How often readiness probes alone (no session, nobody reading the view) fetch the view; below {@link #STALE}. */
  static final Duration PROBE_EVERY = Duration.ofSeconds(5);
  private static final long NEVER = Long.MIN_VALUE / 4;

  private final TrackerClient tracker;
  private final String replicas;
  private final Clock clock;
  private final BooleanSupplier session;
  private final long startedMillis;
  private final ScheduledExecutorService refresher;
  private final AtomicBoolean kicked = new AtomicBoolean();
  private final Object attempts = new Object();
  private volatile SwarmViewProto view;
  private volatile long viewMillis;
  private volatile String error = "";
  private volatile long readMillis = NEVER;
  private volatile long probedMillis = NEVER;
  /** When the current spell of demand began (the view is judged from then on, not from before an idle spell). */
  private volatile long demandSince = NEVER;
  private volatile long attemptMillis = NEVER;
  private long attemptCount;

  private TrackerView(TrackerClient tracker, String replicas, Clock clock, BooleanSupplier session) {
    this.tracker = tracker;
    this.replicas = replicas;
    this.clock = clock;
    this.session = session;
    this.startedMillis = clock.millis();
    this.refresher = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "tracker-view");
      t.setDaemon(true);
      return t;
    });
  }

  /**
   * Starts serving the view of {@code tracker} (the group {@code replicas}) on demand; readiness
   * probes fetch it themselves (every {@link #PROBE_EVERY}). The caller keeps owning the client.
   */
  public static TrackerView start(TrackerClient tracker, String replicas, Clock clock) {
    return start(tracker, replicas, clock, null);
  }

  /**
   * As {@link #start(TrackerClient, String, Clock)}; while nobody reads the view, readiness is
   * {@code session} (true: the node's last call to the tracker got through; null: no session).
   */
  public static TrackerView start(TrackerClient tracker, String replicas, Clock clock, BooleanSupplier session) {
    TrackerView v = unscheduled(tracker, replicas, clock, session);
    v.refresher.scheduleWithFixedDelay(v::tick, EVERY.toMillis(), EVERY.toMillis(), TimeUnit.MILLISECONDS);
    return v;
  }

  /** A view whose periodic {@link #tick()} the caller drives (tests); reads after an idle spell still refresh at once. */
  static TrackerView unscheduled(TrackerClient tracker, String replicas, Clock clock, BooleanSupplier session) {
    return new TrackerView(tracker, replicas, clock, session);
  }

  /** One turn of the refresher: fetches the view if someone wants it and the last attempt is old enough. */
  void tick() {
    long now = clock.millis();
    long every = now - readMillis <= IDLE_AFTER.toMillis() ? EVERY.toMillis()
        : now - probedMillis <= IDLE_AFTER.toMillis() ? PROBE_EVERY.toMillis() : -1;
    if (every >= 0 && now - attemptMillis >= every) {
      refresh();
    }
  }

  void refresh() {
    kicked.set(false);
    attemptMillis = clock.millis();
    try {
      SwarmViewProto v = tracker.swarm(true);
      view = v;
      viewMillis = clock.millis();
      if (!error.isEmpty()) {
        log.info("tracker {} answers again (leader {}, term {})", replicas, v.getLeaderId(), v.getTerm());
      }
      error = "";
    } catch (TrackerException | RuntimeException e) {
      if (error.isEmpty()) {
        log.warn("tracker {} unreachable for the swarm view: {}", replicas, e.getMessage());
      }
      error = e.getMessage() == null ? e.toString() : e.getMessage();
    } finally {
      synchronized (attempts) {
        attemptCount++;
        attempts.notifyAll();
      }
    }
  }

  /**
   * The last view and its age, with the last error (if the last attempt failed). Keeps the view
   * refreshed for {@link #IDLE_AFTER}; after an idle spell, asks for a fresh one at once and
   * returns the old one (or none).
   */
  public SwarmJson.TrackerState state() {
    long now = clock.millis();
    if (now - readMillis > IDLE_AFTER.toMillis()) {
      startDemand(now);
    }
    readMillis = now;
    if (now - attemptMillis >= EVERY.toMillis()) {
      kick();
    }
    return snapshot();
  }

  /**
   * As {@link #state()}, but when the view is older than {@link #EVERY} waits (at most {@code
   * wait}, in real time) for the refresh this call asks for.
   */
  public SwarmJson.TrackerState state(Duration wait) throws InterruptedException {
    long before;
    synchronized (attempts) {
      before = attemptCount;
    }
    boolean old = view == null || clock.millis() - viewMillis >= EVERY.toMillis();
    SwarmJson.TrackerState s = state();
    if (!old) {
      return s;
    }
    long deadline = System.nanoTime() + wait.toNanos();
    synchronized (attempts) {
      long left;
      while (attemptCount == before && (left = deadline - System.nanoTime()) > 0) {
        TimeUnit.NANOSECONDS.timedWait(attempts, left);
      }
    }
    return snapshot();
  }

  private SwarmJson.TrackerState snapshot() {
    SwarmViewProto v = view;
    return new SwarmJson.TrackerState(replicas, v, error, v == null ? -1 : clock.millis() - viewMillis);
  }

  /** Marks the start of a spell of demand if nobody read or probed the view for {@link #IDLE_AFTER}. */
  private void startDemand(long now) {
    if (now - readMillis > IDLE_AFTER.toMillis() && now - probedMillis > IDLE_AFTER.toMillis()) {
      demandSince = now;
    }
  }

  private void kick() {
    if (kicked.compareAndSet(false, true)) {
      try {
        refresher.execute(this::refresh);
      } catch (java.util.concurrent.RejectedExecutionException e) {
        kicked.set(false); // closed
      }
    }
  }

  @Override
  public Result check() {
    long now = clock.millis();
    if (session == null) {
      startDemand(now);
      probedMillis = now;
    }
    SwarmViewProto v = view;
    if (v != null && now - viewMillis <= STALE.toMillis()) {
      return Result.up("leader " + v.getLeaderId() + ", term " + v.getTerm());
    }
    if (session != null && now - readMillis > IDLE_AFTER.toMillis()) {
      if (session.getAsBoolean()) {
        return Result.up("this node's tracker session is connected to " + replicas);
      }
      return now - startedMillis <= STALE.toMillis() ? Result.up("asking tracker " + replicas)
          : Result.degraded("tracker " + replicas + " did not answer this node's last call; serving from manifests"
              + " locations, peers and the origin");
    }
    long age = now - Math.max(Math.max(v == null ? NEVER : viewMillis, demandSince), startedMillis);
    if (age <= STALE.toMillis()) {
      return Result.up("asking tracker " + replicas);
    }
    return Result.degraded("tracker " + replicas + " has not answered for " + age / 1000 + " s ("
        + (error.isEmpty() ? "no answer yet" : error) + "); serving from manifests locations, peers and the origin");
  }

  @Override
  public void close() {
    refresher.shutdownNow();
  }
}
