package io.modelfs.tracker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.modelfs.core.proto.AnnounceProto;
import io.modelfs.core.proto.LeaseRequestProto;
import io.modelfs.core.proto.NodeViewProto;
import io.modelfs.core.proto.PingProto;
import io.modelfs.core.proto.SwarmViewProto;
import io.modelfs.core.proto.SwarmViewRequestProto;
import io.modelfs.core.proto.TagProto;
import io.modelfs.core.proto.TrackerLogEntry;
import io.modelfs.core.proto.TrackerReply;
import io.modelfs.core.proto.TrackerRequest;
import io.modelfs.schedule.lease.LeasePolicy;
import java.util.BitSet;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The swarm view (registry plus the leader's soft state) and the lease counters that the
 * tracker's metrics read, driven without Ratis.
 */
class SwarmViewTest {
  private static final long TTL = 10_000;
  private final Fixtures.TestClock clock = new Fixtures.TestClock(1_000);
  private final TrackerCommands commands = new TrackerCommands(Fixtures.limits(), new LeasePolicy(TTL, 64, 4), clock);
  private final Fixtures.Model model = Fixtures.model("m", 20);
  private final ByteString digest = ByteString.copyFrom(model.digest().toBytes());

  private void apply(TrackerRequest r) {
    TrackerReply reply = commands.apply(TrackerLogEntry.newBuilder().setTimeMillis(clock.millis()).setCommand(r).build());
    assertTrue(reply.hasAck(), reply.toString());
  }

  private TrackerReply read(TrackerRequest r) throws Exception {
    TrackerReply reply = commands.read(r, 3).get();
    assertTrue(!reply.hasError(), reply.toString());
    return reply;
  }

  private SwarmViewProto view(boolean bitfields) throws Exception {
    return read(TrackerRequest.newBuilder().setSwarmView(SwarmViewRequestProto.newBuilder().setBitfields(bitfields)).build())
        .getSwarmView();
  }

  private TrackerReply lease(String node, int... chunks) throws Exception {
    LeaseRequestProto.Builder b = LeaseRequestProto.newBuilder().setNodeId(node).setModel(digest);
    for (int c : chunks) {
      b.addChunks(c);
    }
    return read(TrackerRequest.newBuilder().setLease(b).build());
  }

  @Test
  void showsEveryNodeWithWhatItHoldsItsLeasesAndEveryModelWithItsNames() throws Exception {
    apply(TrackerCommandsTest.register("n1"));
    apply(TrackerCommandsTest.register("n2"));
    apply(TrackerCommandsTest.publish(model));
    apply(TrackerRequest.newBuilder().setTag(TagProto.newBuilder().setName("m").setTag("v1")
        .setRef(model.ref().toString())).build());
    BitSet held = new BitSet();
    held.set(0, 5);
    byte[] bits = new byte[3];
    System.arraycopy(held.toByteArray(), 0, bits, 0, 1);
    read(TrackerRequest.newBuilder().setAnnounce(AnnounceProto.newBuilder().setNodeId("n1").setModel(digest)
        .setFull(true).setBitfield(ByteString.copyFrom(bits))).build());
    clock.advance(java.time.Duration.ofMillis(500));
    assertEquals(List.of(7), lease("n2", 7, 8).getLeases().getGrantedList(), "one new lease per request");
    assertEquals(List.of(7, 8), lease("n2", 7, 8).getLeases().getGrantedList());

    SwarmViewProto v = view(true);
    assertEquals(3, v.getTerm());
    assertEquals(2, v.getActiveLeases());
    assertEquals(2, v.getNodesCount());
    NodeViewProto n1 = v.getNodes(0);
    assertEquals("n1", n1.getNode().getNodeId());
    assertEquals("127.0.0.1:7400", n1.getNode().getPeerAddress());
    assertEquals("z", n1.getNode().getZone());
    assertEquals(1_000, n1.getLastContactMillis());
    assertEquals(model.ref().toString(), n1.getHoldings(0).getRef());
    assertEquals(20, n1.getHoldings(0).getChunkCount());
    assertEquals(5, n1.getHoldings(0).getChunksHeld());
    assertEquals(held, BitSet.valueOf(n1.getHoldings(0).getBitfield().toByteArray()));
    NodeViewProto n2 = v.getNodes(1);
    assertEquals(2, n2.getLeasesHeld());
    assertEquals(1_500, n2.getLastContactMillis());
    assertEquals(0, n2.getHoldings(0).getChunksHeld(), "asking for leases makes n2 a member holding nothing");
    assertEquals(1, v.getModelsCount());
    assertEquals(List.of("m:v1"), v.getModels(0).getNamesList());
    assertEquals(2, v.getModels(0).getHolders());
    assertTrue(view(false).getNodes(0).getHoldings(0).getBitfield().isEmpty(), "bitfields only when asked for");
  }

  @Test
  void countsGrantsAndTakeoversOfLapsedLeasesAcrossTerms() throws Exception {
    apply(TrackerCommandsTest.register("n1"));
    apply(TrackerCommandsTest.register("n2"));
    apply(TrackerCommandsTest.publish(model));
    lease("n1", 0, 1);
    assertEquals(2, commands.counters().leaseGrants());
    assertEquals(List.of(), lease("n2", 0).getLeases().getGrantedList(), "n1 holds chunk 0");
    // n1 goes silent; n2 keeps pinging, so its own leases stay.
    for (int i = 0; i < 3; i++) {
      clock.advance(java.time.Duration.ofMillis(TTL / 2 + 1));
      read(TrackerRequest.newBuilder().setPing(PingProto.newBuilder().setNodeId("n2")).build());
    }
    assertEquals(List.of(0), lease("n2", 0).getLeases().getGrantedList(), "n2 takes over the lapsed lease");
    assertEquals(3, commands.counters().leaseGrants());
    assertEquals(1, commands.counters().leaseTakeovers());
    lease("n2", 5);
    assertEquals(1, commands.counters().leaseTakeovers(), "a chunk never leased before is a plain grant");
    commands.leadershipLost();
    assertEquals(4, commands.counters().leaseGrants(), "the counters outlive the term's soft state");
  }
}
