package io.modelfs.tracker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.modelfs.core.proto.AckProto;
import io.modelfs.core.proto.HeartbeatProto;
import io.modelfs.core.proto.TrackerErrorProto;
import io.modelfs.core.proto.TrackerReply;
import io.modelfs.core.proto.TrackerRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** The leader's heartbeat coalescer, with the log replaced by a list of submitted batches. */
class HeartbeatBatcherTest {
  private final List<TrackerRequest> submitted = new ArrayList<>();
  private final List<CompletableFuture<TrackerReply>> commits = new ArrayList<>();
  private final HeartbeatBatcher batcher = new HeartbeatBatcher(r -> {
    submitted.add(r);
    CompletableFuture<TrackerReply> f = new CompletableFuture<>();
    commits.add(f);
    return f;
  });

  private static HeartbeatProto hb(String node, int models) {
    HeartbeatProto.Builder b = HeartbeatProto.newBuilder().setNodeId(node);
    for (int i = 0; i < models; i++) {
      b.addModels(ByteString.copyFrom(new byte[32]));
    }
    return b.build();
  }

  private static final TrackerReply ACK = TrackerReply.newBuilder().setAck(AckProto.getDefaultInstance()).build();

  @Test
  void heartbeatsOfManyNodesBecomeOneEntryAnsweredWhenItCommits() {
    CompletableFuture<TrackerReply> a1 = batcher.add(hb("a", 0));
    CompletableFuture<TrackerReply> b = batcher.add(hb("b", 0));
    CompletableFuture<TrackerReply> a2 = batcher.add(hb("a", 2)); // "a" again before the flush: its latest models win
    batcher.flush();
    assertEquals(1, submitted.size());
    List<HeartbeatProto> logged = submitted.get(0).getHeartbeats().getHeartbeatsList();
    assertEquals(List.of("a", "b"), logged.stream().map(HeartbeatProto::getNodeId).toList());
    assertEquals(2, logged.get(0).getModelsCount());
    assertFalse(a1.isDone() || b.isDone() || a2.isDone(), "not acknowledged before the entry commits");

    CompletableFuture<TrackerReply> c = batcher.add(hb("c", 0));
    batcher.flush();
    assertEquals(1, submitted.size(), "no second batch while one is in flight");
    commits.get(0).complete(ACK);
    assertTrue(a1.join().hasAck() && b.join().hasAck() && a2.join().hasAck());
    assertFalse(c.isDone());
    batcher.flush();
    assertEquals(2, submitted.size());
    assertEquals("c", submitted.get(1).getHeartbeats().getHeartbeats(0).getNodeId());
    assertEquals(0, batcher.waiting());
  }

  @Test
  void aFailedBatchOrALostLeadershipAnswersNotLeader() {
    CompletableFuture<TrackerReply> a = batcher.add(hb("a", 0));
    batcher.flush();
    commits.get(0).completeExceptionally(new java.io.IOException("NotLeaderException"));
    assertEquals(TrackerErrorProto.Code.NOT_LEADER, a.join().getError().getCode());
    CompletableFuture<TrackerReply> b = batcher.add(hb("b", 0));
    batcher.failAll("t1 is no longer the leader");
    assertEquals(TrackerErrorProto.Code.NOT_LEADER, b.join().getError().getCode());
    batcher.flush();
    assertEquals(1, submitted.size(), "nothing left to append");
  }

  @Test
  void aBatchStaysWithinItsByteBound() {
    int perNode = hb("n0000", 1000).getSerializedSize();
    int nodes = HeartbeatBatcher.MAX_BATCH_BYTES / perNode + 5;
    for (int i = 0; i < nodes; i++) {
      batcher.add(hb(String.format("n%04d", i), 1000));
    }
    batcher.flush();
    int first = submitted.get(0).getHeartbeats().getHeartbeatsCount();
    assertTrue(first < nodes && submitted.get(0).getSerializedSize() <= HeartbeatBatcher.MAX_BATCH_BYTES + 1024,
        "first batch " + first + " of " + nodes + ", " + submitted.get(0).getSerializedSize() + " bytes");
    commits.get(0).complete(ACK);
    batcher.flush();
    assertEquals(nodes, first + submitted.get(1).getHeartbeats().getHeartbeatsCount(), "the rest go in the next batch");
  }
}
