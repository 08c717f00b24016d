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
  void nodesThatCrashMidTransferDoNotStopTheOthers() throws Exception {
    Scenario s = small("churn.leave=0.25\nchurn.leaveFrom=0.5s\nchurn.leaveTo=2s\n");
    RunResult r = Simulation.runOne(s, 12).swarm();
    assertEquals(9, r.readySeconds().length);
    assertEquals(9, r.finished(), r.notes());
  }
}
