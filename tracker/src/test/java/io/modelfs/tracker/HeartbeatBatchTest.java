package io.modelfs.tracker;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.modelfs.core.proto.AnnounceProto;
import io.modelfs.core.proto.HeartbeatBatchProto;
import io.modelfs.core.proto.HeartbeatProto;
import io.modelfs.core.proto.PingProto;
import io.modelfs.core.proto.TrackerErrorProto;
import io.modelfs.core.proto.TrackerLogEntry;
import io.modelfs.core.proto.TrackerReply;
import io.modelfs.core.proto.TrackerRequest;
import io.modelfs.schedule.lease.LeasePolicy;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The HEARTBEATS log command and reports (pings carrying announcements), on the state machine without Ratis. */
class HeartbeatBatchTest {
  private static final long TTL = Fixtures.limits().nodeTtlMillis();

  private final Fixtures.TestClock clock = new Fixtures.TestClock(0);
  private final TrackerCommands commands = new TrackerCommands(Fixtures.limits(), new LeasePolicy(10_000, 64, 4), clock);
  private final Fixtures.Model model = Fixtures.model("m", 20);

  private TrackerReply apply(long time, TrackerRequest r) {
    return commands.apply(TrackerLogEntry.newBuilder().setTimeMillis(time).setCommand(r).build());
  }

  private HeartbeatProto heartbeat(String node, boolean holdsModel) {
    HeartbeatProto.Builder b = HeartbeatProto.newBuilder().setNodeId(node);
    if (holdsModel) {
      b.addModels(ByteString.copyFrom(model.digest().toBytes()));
    }
    return b.build();
  }

  private static TrackerRequest batch(HeartbeatProto... heartbeats) {
    return TrackerRequest.newBuilder().setHeartbeats(HeartbeatBatchProto.newBuilder().addAllHeartbeats(List.of(heartbeats))).build();
  }

  @Test
  void aBatchedHeartbeatKeepsANodeAliveAndItsAbsenceExpiresIt() {
    apply(0, TrackerCommandsTest.register("kept"));
    apply(0, TrackerCommandsTest.register("silent"));
    // Every 30 s (log time) the leader appends a batch; only "kept" is in it.
    for (long t = 30_000; t <= 4 * TTL; t += 30_000) {
      assertTrue(apply(t, batch(heartbeat("kept", false))).hasAck());
    }
    assertTrue(commands.registry().node("kept").isPresent(), "a node in every batch stays registered");
    assertEquals(4 * TTL, commands.registry().node("kept").orElseThrow().lastHeartbeatMillis(), "time comes from the entry");
    assertFalse(commands.registry().node("silent").isPresent(), "a node absent from the batches expires after its TTL");
  }

  @Test
  void aBatchRecordsModelsAndSkipsNodesThatExpiredSinceTheLeaderQueuedThem() {
    apply(0, TrackerCommandsTest.publish(model));
    apply(1, TrackerCommandsTest.register("a"));
    TrackerReply r = apply(2, batch(heartbeat("a", true), heartbeat("gone", true)));
    assertTrue(r.hasAck(), "an unknown node in a batch does not fail the others: " + r);
    assertEquals(java.util.Set.of(model.digest()), commands.registry().node("a").orElseThrow().models());
    assertFalse(commands.registry().node("gone").isPresent(), "a heartbeat registers nobody");
  }

  @Test
  void replicasApplyingTheSameBatchesHoldTheSameState() {
    List<TrackerLogEntry> log = new ArrayList<>();
    log.add(TrackerLogEntry.newBuilder().setTimeMillis(10).setCommand(TrackerCommandsTest.publish(model)).build());
    log.add(TrackerLogEntry.newBuilder().setTimeMillis(20).setCommand(TrackerCommandsTest.register("a")).build());
    log.add(TrackerLogEntry.newBuilder().setTimeMillis(30).setCommand(TrackerCommandsTest.register("b")).build());
    log.add(TrackerLogEntry.newBuilder().setTimeMillis(40).setCommand(batch(heartbeat("a", true), heartbeat("b", false))).build());
    log.add(TrackerLogEntry.newBuilder().setTimeMillis(100_000).setCommand(batch(heartbeat("a", true))).build());
    log.add(TrackerLogEntry.newBuilder().setTimeMillis(200_000).setCommand(batch(heartbeat("a", true))).build()); // b expires
    TrackerCommands x = new TrackerCommands(Fixtures.limits(), new LeasePolicy(1, 1, 1), new Fixtures.TestClock(5));
    TrackerCommands y = new TrackerCommands(Fixtures.limits(), new LeasePolicy(1, 1, 1), new Fixtures.TestClock(9_999_999));
    log.forEach(x::apply);
    log.forEach(y::apply);
    assertArrayEquals(x.snapshot(), y.snapshot(), "replica clocks do not enter the state");
    assertTrue(x.registry().node("a").isPresent());
    assertFalse(x.registry().node("b").isPresent());
  }

  @Test
  void malformedBatchesAreRefusedBeforeTheLog() {
    assertEquals(TrackerException.Code.INVALID, assertThrows(TrackerException.class,
        () -> commands.validate(batch())).code(), "an empty batch");
    assertEquals(TrackerException.Code.INVALID, assertThrows(TrackerException.class,
        () -> commands.validate(batch(heartbeat("bad id", false)))).code());
    assertEquals(TrackerException.Code.INVALID, assertThrows(TrackerException.class, () -> commands.validate(batch(
        HeartbeatProto.newBuilder().setNodeId("a").addModels(ByteString.copyFrom(new byte[7])).build()))).code());
    assertTrue(TrackerCommands.isDurable(batch(heartbeat("a", false))));
  }

  @Test
  void aHeartbeatIsCheckedOnTheLeaderAndCountsAsContact() throws Exception {
    apply(0, TrackerCommandsTest.register("a"));
    assertEquals(TrackerException.Code.UNKNOWN_NODE,
        assertThrows(TrackerException.class, () -> commands.acceptHeartbeat(heartbeat("ghost", false), 3)).code());
    clock.advance(java.time.Duration.ofMillis(1234));
    commands.acceptHeartbeat(heartbeat("a", false), 3);
    assertEquals(1234, commands.softState().node("a").lastContactMillis());
  }

  @Test
  void aPingCarriesTheNodesAnnouncementsAndTheReportInterval() throws Exception {
    apply(0, TrackerCommandsTest.publish(model));
    apply(0, TrackerCommandsTest.register("a"));
    ByteString digest = ByteString.copyFrom(model.digest().toBytes());
    TrackerReply r = commands.read(TrackerRequest.newBuilder().setPing(PingProto.newBuilder().setNodeId("a")
        .addAnnounces(AnnounceProto.newBuilder().setModel(digest).addHave(3).addHave(4))
        .addAnnounces(AnnounceProto.newBuilder().setModel(ByteString.copyFrom(Fixtures.model("other", 4).digest().toBytes()))
            .addHave(1))).build(), 5).get();
    assertEquals(5, r.getTerm());
    assertEquals(2, commands.softState().chunksHeld("a", model.digest()), "deltas ride on the ping; unknown models are skipped");
    assertEquals(0, r.getReportIntervalMillis(), "a small fleet reports at its own pace");

    TrackerReply forged = commands.read(TrackerRequest.newBuilder().setPing(PingProto.newBuilder().setNodeId("a")
        .addAnnounces(AnnounceProto.newBuilder().setNodeId("b").setModel(digest).addHave(5))).build(), 5).get();
    assertEquals(TrackerErrorProto.Code.INVALID, forged.getError().getCode(), "a ping announces for its own node only");
    assertFalse(commands.softState().held(model.digest(), 5));
  }

  @Test
  void theReportIntervalGrowsWithTheFleetUpToHalfALeaseTtl() throws Exception {
    TrackerCommands big = new TrackerCommands(new RegistryLimits(TTL, TTL, 5_000, 10, 1 << 20),
        new LeasePolicy(10_000, 64, 4), clock);
    big.apply(TrackerLogEntry.newBuilder().setCommand(TrackerCommandsTest.register("n0")).build());
    TrackerRequest ping = TrackerRequest.newBuilder().setPing(PingProto.newBuilder().setNodeId("n0")).build();
    assertEquals(0, big.read(ping, 1).get().getReportIntervalMillis());
    for (int i = 1; i < 400; i++) {
      big.apply(TrackerLogEntry.newBuilder().setCommand(TrackerCommandsTest.register("n" + i)).build());
    }
    assertEquals(400_000 / TrackerCommands.REPORT_BUDGET, big.read(ping, 1).get().getReportIntervalMillis());
    for (int i = 400; i < 3_000; i++) {
      big.apply(TrackerLogEntry.newBuilder().setCommand(TrackerCommandsTest.register("n" + i)).build());
    }
    assertEquals(5_000, big.read(ping, 1).get().getReportIntervalMillis(), "capped at half the 10 s lease TTL");
  }
}
