package io.modelfs.agent.http;

import io.modelfs.core.proto.SwarmViewProto;
import io.modelfs.tracker.TrackerClient;
import io.modelfs.tracker.TrackerException;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The swarm as the tracker sees it, for {@code /api/swarm}, the dashboard and readiness (of agents
 * and tracker replicas alike): asks the
 * leader for its swarm view (a Ratis read-only query) every {@link #EVERY} on a daemon thread, and
 * keeps the last answer and the last failure. HTTP requests read what was fetched and never wait
 * for the tracker. As a {@link HealthCheck} it is UP while views arrive and DEGRADED when the
 * tracker has not answered for {@link #STALE} (the agent then serves from its manifests
 * locations, peers and the origin). Thread-safe.
 */
public final class TrackerView implements HealthCheck, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(TrackerView.class);
  static final Duration EVERY = Duration.ofSeconds(1);
  static final Duration STALE = Duration.ofSeconds(10);

  private final TrackerClient tracker;
  private final String replicas;
  private final Clock clock;
  private final long startedMillis;
  private final ScheduledExecutorService refresher;
  private volatile SwarmViewProto view;
  private volatile long viewMillis;
  private volatile String error = "";

  private TrackerView(TrackerClient tracker, String replicas, Clock clock) {
    this.tracker = tracker;
    this.replicas = replicas;
    this.clock = clock;
    this.startedMillis = clock.millis();
    this.refresher = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "tracker-view");
      t.setDaemon(true);
      return t;
    });
  }

  /** Starts refreshing from {@code tracker} (the group {@code replicas}); the caller keeps owning the client. */
  public static TrackerView start(TrackerClient tracker, String replicas, Clock clock) {
    TrackerView v = new TrackerView(tracker, replicas, clock);
    v.refresher.scheduleWithFixedDelay(v::refresh, 0, EVERY.toMillis(), TimeUnit.MILLISECONDS);
    return v;
  }

  void refresh() {
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
    }
  }

  /** The last view and its age, with the last error (if the last attempt failed). */
  public SwarmJson.TrackerState state() {
    SwarmViewProto v = view;
    return new SwarmJson.TrackerState(replicas, v, error, v == null ? -1 : clock.millis() - viewMillis);
  }

  @Override
  public Result check() {
    long since = view == null ? startedMillis : viewMillis;
    long age = clock.millis() - since;
    if (age <= STALE.toMillis()) {
      return view == null ? Result.up("asking tracker " + replicas)
          : Result.up("leader " + view.getLeaderId() + ", term " + view.getTerm());
    }
    return Result.degraded("tracker " + replicas + " has not answered for " + age / 1000 + " s ("
        + (error.isEmpty() ? "no answer yet" : error) + "); serving from manifests locations, peers and the origin");
  }

  @Override
  public void close() {
    refresher.shutdownNow();
  }
}
