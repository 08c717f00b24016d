package io.modelfs.tracker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.modelfs.core.proto.PingProto;
import io.modelfs.core.proto.SwarmViewProto;
import io.modelfs.core.proto.SwarmViewRequestProto;
import io.modelfs.core.proto.TrackerLogEntry;
import io.modelfs.core.proto.TrackerReply;
import io.modelfs.core.proto.TrackerRequest;
import io.modelfs.core.proto.Traffic;
import io.modelfs.schedule.lease.LeasePolicy;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Nodes' traffic reported with their pings (soft state on the leader): counters per node,
 * rates from successive reports, the swarm's sum, restarts and silence — driven without Ratis.
 */
class SwarmTrafficTest {
  private static final long MIB = 1 << 20;
  private final Fixtures.TestClock clock = new Fixtures.TestClock(1_000);
  private final TrackerCommands commands = new TrackerCommands(Fixtures.limits(), new LeasePolicy(10_000, 64, 4), clock);

  private void register(String node) {
    TrackerReply r = commands.apply(TrackerLogEntry.newBuilder().setTimeMillis(clock.millis())
        .setCommand(TrackerCommandsTest.register(node)).build());
    assertTrue(r.hasAck(), r.toString());
  }

  private void ping(String node, long local, long peer, long origin, long uploaded) throws Exception {
    Traffic t = Traffic.newBuilder().setLocalBytes(local).setPeerBytes(peer).setOriginBytes(origin)
        .setUploadedBytes(uploaded).setOriginBytesPerSecond(1e12).build(); // a rate sent is ignored
    TrackerReply r = commands.read(TrackerRequest.newBuilder().setPing(PingProto.newBuilder().setNodeId(node)
        .setTraffic(t)).build(), 3).get();
    assertFalse(r.hasError(), r.toString());
  }

  private SwarmViewProto view() throws Exception {
    return commands.read(TrackerRequest.newBuilder().setSwarmView(SwarmViewRequestProto.getDefaultInstance()).build(), 3)
        .get().getSwarmView();
  }

  @Test
  void ratesComeFromSuccessivePingsAndTheSwarmSumsItsNodes() throws Exception {
    register("n1");
    register("n2");
    ping("n1", 0, 0, 0, 0);
    ping("n2", 0, 0, 0, 0);
    clock.advance(Duration.ofSeconds(2));
    ping("n1", 2 * MIB, 0, 8 * MIB, 6 * MIB); // n1: 4 MiB/s from the origin, uploads 3 MiB/s
    ping("n2", 0, 6 * MIB, 0, 0);             // n2: 3 MiB/s from peers

    SwarmViewProto v = view();
    Traffic n1 = v.getNodes(0).getTraffic();
    assertEquals(8 * MIB, n1.getOriginBytes());
    assertEquals(4.0 * MIB, n1.getOriginBytesPerSecond(), 1);
    assertEquals(1.0 * MIB, n1.getLocalBytesPerSecond(), 1);
    assertEquals(3.0 * MIB, n1.getUploadedBytesPerSecond(), 1);
    Traffic swarm = v.getTraffic();
    assertEquals(2 * MIB, swarm.getLocalBytes());
    assertEquals(6 * MIB, swarm.getPeerBytes());
    assertEquals(8 * MIB, swarm.getOriginBytes());
    assertEquals(3.0 * MIB, swarm.getPeerBytesPerSecond(), 1);
    assertEquals(4.0 * MIB, swarm.getOriginBytesPerSecond(), 1);
    // Origin bytes saved: delivered (16 MiB) minus origin (8 MiB).
    assertEquals(8 * MIB, swarm.getLocalBytes() + swarm.getPeerBytes());
  }

  @Test
  void aNodeThatStopsReportingKeepsItsCountersButNoRate() throws Exception {
    register("n1");
    ping("n1", 0, 0, 0, 0);
    clock.advance(Duration.ofSeconds(1));
    ping("n1", 0, 0, 5 * MIB, 0);
    assertEquals(5.0 * MIB, view().getTraffic().getOriginBytesPerSecond(), 1);

    clock.advance(Duration.ofMillis(TrafficSamples.WINDOW_MILLIS + 1));
    Traffic t = view().getTraffic();
    assertEquals(5 * MIB, t.getOriginBytes());
    assertEquals(0.0, t.getOriginBytesPerSecond());
  }

  @Test
  void aRestartedNodeStartsItsRatesAgainInsteadOfGoingNegative() throws Exception {
    register("n1");
    ping("n1", 0, 0, 100 * MIB, 0);
    clock.advance(Duration.ofSeconds(1));
    ping("n1", 0, 0, MIB, 0); // counters went back: the agent restarted
    Traffic t = view().getTraffic();
    assertEquals(MIB, t.getOriginBytes());
    assertEquals(0.0, t.getOriginBytesPerSecond());
    clock.advance(Duration.ofSeconds(1));
    ping("n1", 0, 0, 3 * MIB, 0);
    assertEquals(2.0 * MIB, view().getTraffic().getOriginBytesPerSecond(), 1);
  }

  @Test
  void ratesCoverOnlyTheLastWindow() throws Exception {
    register("n1");
    long origin = 0;
    for (int s = 0; s <= 30; s++) { // 10 MiB/s for 20 s, then 1 MiB/s for 10 s
      ping("n1", 0, 0, origin, 0);
      if (s < 30) {
        origin += (s < 20 ? 10 : 1) * MIB;
        clock.advance(Duration.ofSeconds(1));
      }
    }
    assertEquals(1.0 * MIB, view().getTraffic().getOriginBytesPerSecond(), 1);
  }

  @Test
  void nodesThatReportLessOftenThanTheWindowStillHaveRates() throws Exception {
    register("n1");
    ping("n1", 0, 0, 0, 0);
    clock.advance(Duration.ofSeconds(20)); // a large swarm's report interval
    ping("n1", 0, 0, 40 * MIB, 0);
    clock.advance(Duration.ofSeconds(15));
    assertEquals(2.0 * MIB, view().getTraffic().getOriginBytesPerSecond(), 1);
    clock.advance(Duration.ofSeconds(46)); // three intervals without a report: stopped
    assertEquals(0.0, view().getTraffic().getOriginBytesPerSecond());
  }

  @Test
  void aPingWithoutTrafficReportsNothing() throws Exception {
    register("n1");
    TrackerReply r = commands.read(TrackerRequest.newBuilder().setPing(PingProto.newBuilder().setNodeId("n1")).build(), 3).get();
    assertFalse(r.hasError(), r.toString());
    assertEquals(Traffic.getDefaultInstance(), view().getNodes(0).getTraffic());
  }
}
