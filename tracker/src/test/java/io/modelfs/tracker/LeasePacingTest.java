package io.modelfs.tracker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.protobuf.ByteString;
import io.modelfs.core.proto.LeaseReplyProto;
import io.modelfs.core.proto.LeaseRequestProto;
import io.modelfs.core.proto.TrackerLogEntry;
import io.modelfs.core.proto.TrackerRequest;
import io.modelfs.schedule.lease.LeasePacing;
import io.modelfs.schedule.lease.LeasePolicy;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Issue 7: the leader paces lease requests: every answer says when to ask next, later as the fleet grows. */
class LeasePacingTest {
  private static final long TTL = Fixtures.limits().nodeTtlMillis();
  private final Fixtures.TestClock clock = new Fixtures.TestClock(0);
  private final TrackerCommands commands = new TrackerCommands(new RegistryLimits(TTL, TTL, 5_000, 10, 1 << 20),
      new LeasePolicy(10_000, 64, 4), clock);
  private final Fixtures.Model model = Fixtures.model("m", 20);

  private void register(int from, int to) {
    for (int i = from; i < to; i++) {
      commands.apply(TrackerLogEntry.newBuilder().setTimeMillis(0).setCommand(TrackerCommandsTest.register("n" + i)).build());
    }
  }

  private LeaseReplyProto lease(String node, int... chunks) throws Exception {
    LeaseRequestProto.Builder b = LeaseRequestProto.newBuilder().setNodeId(node)
        .setModel(ByteString.copyFrom(model.digest().toBytes()));
    for (int c : chunks) {
      b.addChunks(c);
    }
    return commands.read(TrackerRequest.newBuilder().setLease(b).build(), 1).get().getLeases();
  }

  @Test
  void everyLeaseAnswerCarriesANextAskIntervalThatGrowsWithTheFleetUpToHalfTheLeaseTtl() throws Exception {
    commands.apply(TrackerLogEntry.newBuilder().setTimeMillis(0).setCommand(TrackerCommandsTest.publish(model)).build());
    register(0, 50);
    LeaseReplyProto small = lease("n0", 0, 1);
    assertEquals(List.of(0, 1), small.getGrantedList(), "the answer itself is unchanged");
    assertEquals(50_000 / LeasePacing.DEFAULT_BUDGET, small.getNextAskMillis(), "50 nodes: 250 ms");
    register(50, 1_000);
    LeaseReplyProto big = lease("n1", 0, 2);
    assertEquals(List.of(2), big.getGrantedList());
    assertEquals(List.of(0), big.getBusyList());
    assertEquals(5_000, big.getNextAskMillis(), "1,000 nodes: 5 s, so ~200 requests/s in all");
    register(1_000, 3_000);
    assertEquals(5_000, lease("n2", 3).getNextAskMillis(), "capped at half the 10 s lease TTL");
  }

  @Test
  void theFleetsRequestRateStaysNearTheBudgetWhateverItsSize() {
    LeasePacing pacing = LeasePacing.of(new LeasePolicy(60_000, 64, 4));
    for (int nodes : new int[] {10, 50, 200, 1_000, 5_000}) {
      double perSecond = nodes * 1000.0 / pacing.intervalMillis(nodes);
      assertEquals(LeasePacing.DEFAULT_BUDGET, perSecond, 1e-9, nodes + " nodes");
    }
    assertEquals(0, pacing.intervalMillis(0));
    assertEquals(0, pacing.intervalMillis(-3));
    assertEquals(30_000, pacing.intervalMillis(1_000_000), "at most half the TTL");
    assertEquals(100, new LeasePacing(200, 100, 5_000).intervalMillis(2), "a floor for small fleets");
  }

  @Test
  void aPacingThatCannotWorkIsRefused() {
    assertThrows(IllegalArgumentException.class, () -> new LeasePacing(0, 0, 10));
    assertThrows(IllegalArgumentException.class, () -> new LeasePacing(10, -1, 10));
    assertThrows(IllegalArgumentException.class, () -> new LeasePacing(10, 20, 10));
  }
}
