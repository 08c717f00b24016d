package io.modelfs.tracker;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.modelfs.core.proto.AnnounceProto;
import io.modelfs.core.proto.HeartbeatProto;
import io.modelfs.core.proto.LeaseRequestProto;
import io.modelfs.core.proto.NeighboursRequestProto;
import io.modelfs.core.proto.PublishProto;
import io.modelfs.core.proto.RegisterNodeProto;
import io.modelfs.core.proto.ResolveProto;
import io.modelfs.core.proto.TagProto;
import io.modelfs.core.proto.TrackerErrorProto;
import io.modelfs.core.proto.TrackerLogEntry;
import io.modelfs.core.proto.TrackerReply;
import io.modelfs.core.proto.TrackerRequest;
import io.modelfs.schedule.lease.LeasePolicy;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class TrackerCommandsTest {
  private final Fixtures.TestClock clock = new Fixtures.TestClock(0);
  private final TrackerCommands commands = new TrackerCommands(Fixtures.limits(), new LeasePolicy(10_000, 64, 4), clock);
  private final Fixtures.Model model = Fixtures.model("m", 20);

  static TrackerRequest register(String id) {
    return TrackerRequest.newBuilder().setRegister(RegisterNodeProto.newBuilder().setNodeId(id)
        .setPeerAddress("127.0.0.1:7400").setZone("z")).build();
  }

  static TrackerRequest publish(Fixtures.Model m) {
    return TrackerRequest.newBuilder().setPublish(PublishProto.newBuilder().setRef(m.ref().toString())
        .setManifest(ByteString.copyFrom(m.manifest())).setSources(ByteString.copyFrom(m.sources()))).build();
  }

  private TrackerReply apply(long time, TrackerRequest r) {
    return commands.apply(TrackerLogEntry.newBuilder().setTimeMillis(time).setCommand(r).build());
  }

  private TrackerReply read(TrackerRequest r, long term) throws Exception {
    return commands.read(r, term).get();
  }

  @Test
  void rejectsHostileCommandsBeforeTheLog() {
    TrackerException unknownNode = assertThrows(TrackerException.class, () -> commands.validate(TrackerRequest.newBuilder()
        .setHeartbeat(HeartbeatProto.newBuilder().setNodeId("ghost")).build()));
    assertEquals(TrackerException.Code.UNKNOWN_NODE, unknownNode.code());
    assertThrows(TrackerException.class, () -> commands.validate(TrackerRequest.newBuilder()
        .setTag(TagProto.newBuilder().setName("m").setRef("not-a-ref")).build()));
    assertThrows(TrackerException.class, () -> commands.validate(TrackerRequest.newBuilder()
        .setHeartbeat(HeartbeatProto.newBuilder().setNodeId("ghost").addModels(ByteString.copyFrom(new byte[5]))).build()));
    assertThrows(TrackerException.class, () -> commands.validate(TrackerRequest.getDefaultInstance()));
    assertThrows(TrackerException.class, () -> commands.validate(TrackerRequest.newBuilder()
        .setResolve(ResolveProto.newBuilder().setName("m")).build()), "a read is not a log command");
  }

  @Test
  void leaseOnAChunkOfAnUnknownModelIsRefused() throws Exception {
    apply(1, register("n1"));
    TrackerReply r = read(TrackerRequest.newBuilder().setLease(LeaseRequestProto.newBuilder().setNodeId("n1")
        .setModel(ByteString.copyFrom(model.digest().toBytes())).addChunks(0)).build(), 1);
    assertEquals(TrackerErrorProto.Code.UNKNOWN_MODEL, r.getError().getCode());
    TrackerReply unknownNode = read(TrackerRequest.newBuilder().setLease(LeaseRequestProto.newBuilder().setNodeId("ghost")
        .setModel(ByteString.copyFrom(model.digest().toBytes())).addChunks(0)).build(), 1);
    assertEquals(TrackerErrorProto.Code.UNKNOWN_NODE, unknownNode.getError().getCode());
  }

  @Test
  void replicasApplyingTheSameLogHoldTheSameState() {
    List<TrackerLogEntry> log = new ArrayList<>();
    log.add(TrackerLogEntry.newBuilder().setTimeMillis(10).setCommand(register("n1")).build());
    log.add(TrackerLogEntry.newBuilder().setTimeMillis(20).setCommand(publish(model)).build());
    log.add(TrackerLogEntry.newBuilder().setTimeMillis(30).setCommand(TrackerRequest.newBuilder()
        .setTag(TagProto.newBuilder().setName("m").setRef(model.ref().toString()))).build());
    log.add(TrackerLogEntry.newBuilder().setTimeMillis(40).setCommand(TrackerRequest.newBuilder()
        .setHeartbeat(HeartbeatProto.newBuilder().setNodeId("n1").addModels(ByteString.copyFrom(model.digest().toBytes())))).build());
    log.add(TrackerLogEntry.newBuilder().setTimeMillis(500_000).setCommand(register("n2")).build()); // n1 expires here
    TrackerCommands a = new TrackerCommands(Fixtures.limits(), new LeasePolicy(1, 1, 1), new Fixtures.TestClock(1));
    TrackerCommands b = new TrackerCommands(Fixtures.limits(), new LeasePolicy(1, 1, 1), new Fixtures.TestClock(999_999));
    log.forEach(a::apply);
    log.forEach(b::apply);
    assertArrayEquals(a.snapshot(), b.snapshot(), "replica clocks do not enter the state");
    assertFalse(a.registry().node("n1").isPresent());
    assertTrue(a.registry().node("n2").isPresent());
  }

  @Test
  void aNewTermStartsWithEmptySoftState() throws Exception {
    apply(1, register("n1"));
    apply(2, publish(model));
    TrackerRequest have = TrackerRequest.newBuilder().setAnnounce(AnnounceProto.newBuilder().setNodeId("n1")
        .setModel(ByteString.copyFrom(model.digest().toBytes())).addHave(3)).build();
    assertEquals(7, read(have, 7).getTerm());
    assertTrue(commands.softState().held(model.digest(), 3));
    TrackerReply later = read(TrackerRequest.newBuilder().setNeighbours(NeighboursRequestProto.newBuilder().setNodeId("n1")
        .setModel(ByteString.copyFrom(model.digest().toBytes()))).build(), 8);
    assertEquals(8, later.getTerm());
    assertFalse(commands.softState().held(model.digest(), 3), "term 8 does not trust term 7's soft state");
    commands.leadershipLost();
    assertEquals(null, commands.softState());
  }

  @Test
  void applyAnswersErrorsInsteadOfThrowing() {
    TrackerReply r = apply(1, TrackerRequest.newBuilder().setHeartbeat(HeartbeatProto.newBuilder().setNodeId("ghost")).build());
    assertEquals(TrackerErrorProto.Code.UNKNOWN_NODE, r.getError().getCode());
    assertTrue(r.getError().getMessage().contains("ghost"), r.getError().getMessage());
  }
}
