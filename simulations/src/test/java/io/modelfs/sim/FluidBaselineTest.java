package io.modelfs.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.StringReader;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FluidBaselineTest {
  private static Scenario scenario(String text) throws Exception {
    return ScenarioFile.parse("t", new StringReader(text), Map.of());
  }

  @Test
  void anNfsServerSplitsItsCapAcrossTheFleet() throws Exception {
    Scenario s = scenario("nodes=50\nmodel.size=140GB\nnode.nic=25Gbps\nnfs.aggregate=2.5GB/s\nlink.rtt=0s\n");
    Fleet f = Fleet.draw(s, 50);
    RunResult r = FluidBaseline.run("nfs", s, f, 2.5e9, Double.POSITIVE_INFINITY, 0, 1_000_000_000L, 1);
    assertEquals(50 * 140e9 / 2.5e9, r.allReadySeconds(), 1e-6);
    assertEquals(50 * 140e9, r.originBytes(), 1e3);
  }

  @Test
  void directObjectStorageRunsEveryNodeAtItsPerNodeCap() throws Exception {
    Scenario s = scenario("nodes=50\nmodel.size=140GB\nnode.nic=25Gbps\norigin.latency=0s\n");
    Fleet f = Fleet.draw(s, 50);
    RunResult r = FluidBaseline.run("object", s, f, Double.POSITIVE_INFINITY, 500e6, 0, 1_000_000_000L, 1);
    assertEquals(280, r.allReadySeconds(), 1e-6);
    assertEquals(280, r.percentile(0.01), 1e-6);
  }

  @Test
  void slowClientsLeaveTheirShareToTheOthers() throws Exception {
    Scenario s = scenario("nodes=2\nmodel.size=100GB\nnode.nic=1GB/s:0.5,10GB/s:0.5\n");
    Fleet f = Fleet.draw(s, 2);
    RunResult r = FluidBaseline.run("nfs", s, f, 4e9, Double.POSITIVE_INFINITY, 0, 1_000_000_000L, 1);
    // max-min: 1 GB/s and 3 GB/s; the fast one finishes at 33.3 s, then the slow one keeps 1 GB/s: 100 s.
    assertEquals(100.0 / 3, r.percentile(0.5), 1e-6);
    assertEquals(100, r.allReadySeconds(), 1e-6);
  }

  @Test
  void theLowerBoundIsTheLargestOfItsThreeTerms() throws Exception {
    Scenario s = scenario("nodes=50\nmodel.size=140GB\nnode.nic=25Gbps\norigin.perNode=500MB/s\n");
    Fleet f = Fleet.draw(s, 50);
    assertEquals(140e9 / 3.125e9, LowerBound.seconds(s, f), 1e-9); // the node's own link
    Scenario slow = scenario("nodes=50\nmodel.size=140GB\nnode.nic=25Gbps\norigin.aggregate=200MB/s\n");
    assertEquals(700, LowerBound.seconds(slow, Fleet.draw(slow, 50)), 1e-9); // the origin
    Scenario thin = scenario("nodes=1000\nmodel.size=1GB\nnode.nic=1GB/s\nnode.up=10MB/s\norigin.aggregate=1GB/s\n");
    assertEquals(1000 * 1e9 / (1e9 + 1000 * 10e6), LowerBound.seconds(thin, Fleet.draw(thin, 1000)), 1e-9); // total upload
  }
}
