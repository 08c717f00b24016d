package io.modelfs.agent.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.modelfs.core.proto.SwarmViewProto;
import io.modelfs.tracker.TrackerClient;
import io.modelfs.tracker.TrackerException;
import java.lang.reflect.Proxy;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The agent's view of the tracker: UP while the leader answers, DEGRADED (still ready, and saying
 * why and what the agent does instead) once it has not answered for {@link TrackerView#STALE},
 * UP again when it answers; {@code /api/swarm} keeps the last view and says it is unreachable.
 */
class TrackerViewTest {
  private final AtomicLong now = new AtomicLong(1_000_000);
  private final Clock clock = new Clock() {
    @Override
    public long millis() {
      return now.get();
    }

    @Override
    public Instant instant() {
      return Instant.ofEpochMilli(now.get());
    }

    @Override
    public ZoneOffset getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }
  };

  /** A client whose {@code swarm} answers {@code view}, or throws UNAVAILABLE while it is null. */
  private static TrackerClient client(AtomicReference<SwarmViewProto> view) {
    return (TrackerClient) Proxy.newProxyInstance(TrackerClient.class.getClassLoader(), new Class<?>[] {TrackerClient.class},
        (proxy, method, args) -> {
          if (method.getName().equals("swarm")) {
            SwarmViewProto v = view.get();
            if (v == null) {
              throw new TrackerException(TrackerException.Code.UNAVAILABLE, "no replica of t1=127.0.0.1:1 answered");
            }
            return v;
          }
          throw new UnsupportedOperationException(method.getName());
        });
  }

  @Test
  void degradedAfterTheTrackerStopsAnsweringAndUpWhenItAnswersAgain() throws Exception {
    AtomicReference<SwarmViewProto> answer = new AtomicReference<>(
        SwarmViewProto.newBuilder().setLeaderId("t1").setTerm(4).build());
    try (TrackerView view = TrackerView.start(client(answer), "t1=127.0.0.1:1", clock)) {
      view.refresh();
      assertEquals(HealthCheck.State.UP, view.check().state());
      assertEquals("leader t1, term 4", view.check().detail());

      answer.set(null);
      view.refresh();
      now.addAndGet(TrackerView.STALE.toMillis() - 1);
      assertEquals(HealthCheck.State.UP, view.check().state(), "a blip is not yet degraded");
      now.addAndGet(2_000);
      view.refresh();
      HealthCheck.Result r = view.check();
      assertEquals(HealthCheck.State.DEGRADED, r.state());
      assertTrue(r.detail().contains("has not answered for 11 s") && r.detail().contains("no replica of t1=127.0.0.1:1 answered")
          && r.detail().contains("origin"), r.detail());
      SwarmJson.TrackerState state = view.state();
      assertFalse(state.reachable());
      assertEquals(4, state.view().getTerm(), "the last view is kept");
      assertTrue(SwarmJson.render(null, state).contains("\"reachable\": false"));

      answer.set(SwarmViewProto.newBuilder().setLeaderId("t2").setTerm(5).build());
      view.refresh();
      assertEquals("leader t2, term 5", view.check().detail());
      assertTrue(view.state().reachable());
    }
  }
}
