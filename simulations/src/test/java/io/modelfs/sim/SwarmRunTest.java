package io.modelfs.sim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.StringReader;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The driver (transport, tracker, announcements, ticks, crashes) with the agent's scheduler on every node. */
class SwarmRunTest {
  static Scenario small(String extra) throws Exception {
    return ScenarioFile.parse("small", new StringReader(
        "nodes=12\nmodel.size=2GB\nchunk.size=64MiB\nnode.nic=10Gbps\norigin.perNode=500MB/s\nneighbours=4\ntimeLimit=10min\n" + extra),
        Map.of());
  }

  @Test
  void everyNodeGetsTheModelAndTheOriginServesAboutOneCopy() throws Exception {
    Scenario s = small("");
    Simulation.Outcome o = Simulation.runOne(s, 12);
    RunResult r = o.swarm();
    assertEquals(12, r.finished(), r.notes());
    assertTrue(r.originCopies() >= 0.999 && r.originCopies() < 1.3, "origin copies " + r.originCopies());
    assertTrue(r.allReadySeconds() >= o.lowerBoundSeconds(), r.allReadySeconds() + " < bound " + o.lowerBoundSeconds());
    assertTrue(r.events() > 0);
  }

  @Test
  void theSameSeedGivesTheSameRunAndAnotherSeedAnotherOne() throws Exception {
    Scenario s = small("churn.late=0.3\nchurn.joinWindow=2s\n");
    RunResult a = Simulation.runOne(s, 12).swarm();
    RunResult b = Simulation.runOne(s, 12).swarm();
    assertArrayEquals(a.readySeconds(), b.readySeconds());
    assertEquals(a.originBytes(), b.originBytes());
    assertEquals(a.events(), b.events());
    assertEquals(a.notes(), b.notes());
    RunResult c = Simulation.runOne(small("churn.late=0.3\nchurn.joinWindow=2s\nseed=2\n"), 12).swarm();
    assertTrue(a.events() != c.events() || a.allReadySeconds() != c.allReadySeconds());
  }

  @Test
  void nodesOnOneSharedHostAreHeldToItsCpuAndBatchedHavesOnlyDelay() throws Exception {
    RunResult apart = Simulation.runOne(small(""), 12).swarm();
    double mib = 2e9 / (1 << 20);
    // 12 nodes each take in 2 GB (1,907 MiB) at 2 ms of CPU per MiB on one 2-core host, and the
    // origin's bytes cost 10 ms more each: the work, 12 x 1,907 x 2 ms + origin MiB x 10 ms, over
    // 2 cores is a floor however fast the links; the host being the limit, not much above it.
    RunResult shared = Simulation.runOne(small("host.cores=2\nhost.cpuPerMiB=2ms\nhost.originCpuPerMiB=10ms\n"), 12).swarm();
    assertEquals(12, shared.finished(), shared.notes());
    double work = (12 * mib * 0.002 + shared.originBytes() / (1 << 20) * 0.010) / 2;
    assertTrue(shared.allReadySeconds() >= work * 0.999 && shared.allReadySeconds() < work * 1.5,
        "shared host all ready at " + shared.allReadySeconds() + " s, CPU work / cores " + work + " s");
    assertTrue(apart.allReadySeconds() < work / 2, "separate machines all ready at " + apart.allReadySeconds() + " s");
    // The origin's extra cost counts only for origin bytes: 4 cores and no extra halve the floor's main term.
    RunResult wider = Simulation.runOne(small("host.cores=4\nhost.cpuPerMiB=2ms\n"), 12).swarm();
    assertTrue(wider.allReadySeconds() >= 12 * mib * 0.002 / 4 * 0.999 && wider.allReadySeconds() < shared.allReadySeconds(),
        "4 cores: " + wider.allReadySeconds() + " s vs 2 cores with origin cost " + shared.allReadySeconds() + " s");
    RunResult batched = Simulation.runOne(small("link.announceInterval=100ms\n"), 12).swarm();
    assertEquals(12, batched.finished(), batched.notes());
    assertTrue(batched.allReadySeconds() > apart.allReadySeconds() && batched.allReadySeconds() < apart.allReadySeconds() + 5,
        "HAVEs every 100 ms: " + batched.allReadySeconds() + " s vs " + apart.allReadySeconds() + " s at once");
  }

  @Test
  void nodesThatCrashMidTransferDoNotStopTheOthers() throws Exception {
    Scenario s = small("churn.leave=0.25\nchurn.leaveFrom=0.5s\nchurn.leaveTo=2s\n");
    RunResult r = Simulation.runOne(s, 12).swarm();
    assertEquals(9, r.readySeconds().length);
    assertEquals(9, r.finished(), r.notes());
  }
}
