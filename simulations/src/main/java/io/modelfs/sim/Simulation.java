package io.modelfs.sim;

import java.util.ArrayList;
import java.util.List;

/**
 * Runs a scenario: for each fleet size, the modelfs swarm (the agent's scheduler on every node),
 * the NFS-like baseline and direct object storage on the same fleet, the lower bound, and the
 * cost lines. The entry point for the CLI, the bench script and the agent's validation test.
 *
 * <p>Deterministic: the same scenario (seed included) gives the same outcomes, bit for bit,
 * except the measured wall time. Errors: bad scenarios are rejected by {@link ScenarioFile}
 * before anything runs; a scheduler exception propagates with the node and time in its message.
 */
public final class Simulation {
  /** Everything about one fleet size. */
  public record Outcome(int nodes, double lowerBoundSeconds, RunResult swarm, RunResult nfs, RunResult object,
      List<CostModel.Line> costs) {}

  private Simulation() {}

  public static List<Outcome> run(Scenario s) {
    List<Outcome> out = new ArrayList<>();
    for (int n : s.nodeCounts()) {
      out.add(runOne(s, n));
    }
    return out;
  }

  /** One fleet size of a scenario. */
  public static Outcome runOne(Scenario s, int n) {
    Fleet fleet = Fleet.draw(s, n);
    double lb = LowerBound.seconds(s, fleet);
    long bucket = Math.max(1_000_000L, (long) (lb * 1e9 / 100));
    RunResult swarm = new SwarmRun(s, fleet, bucket).run(lb);
    RunResult nfs = FluidBaseline.run("NFS-like server", s, fleet, s.nfs().aggregate(), s.nfs().perClient(),
        s.nodes().rttNanos(), bucket, lb);
    RunResult object = FluidBaseline.run("object storage direct", s, fleet, s.origin().aggregate(), s.origin().perNode(),
        s.origin().latencyNanos(), bucket, lb);
    return new Outcome(n, lb, swarm, nfs, object, CostModel.lines(s, fleet, swarm, nfs, object, bucket));
  }
}
