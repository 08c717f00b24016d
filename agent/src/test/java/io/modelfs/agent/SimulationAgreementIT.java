package io.modelfs.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.modelfs.agent.SwarmBuilder.LocalSwarm;
import io.modelfs.core.proto.ControlResponse;
import io.modelfs.sim.RunResult;
import io.modelfs.sim.Scenario;
import io.modelfs.sim.ScenarioFile;
import io.modelfs.sim.Simulation;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The simulator against the real thing (issue 9): the shipped {@code validate-8} scenario — 8
 * nodes, a 256 MiB model in the agent's 8 MiB chunks — run in the simulator and in the
 * in-process swarm (real agents, sockets, Ratis tracker, an origin counted at its socket). The
 * origin bytes must agree; completion times are written to {@code target/sim-agreement.csv}
 * for {@code bench/sim-validate.sh}, which reports them (timing on a shared 2-core machine is
 * not a CI assertion).
 */
@Timeout(300)
class SimulationAgreementIT {
  private static final Logger log = LoggerFactory.getLogger(SimulationAgreementIT.class);

  @TempDir Path tmp;
  private LocalSwarm swarm;
  private SwarmCpuMeter meter;
  // Named, so that "pool-N-thread-M" is only the origin's HTTP server in SwarmCpuMeter's report.
  private final ExecutorService pool = Executors.newCachedThreadPool(r -> new Thread(r, "pull-caller"));

  @AfterEach
  void stop() {
    pool.shutdownNow();
    if (meter != null) {
      meter.close();
    }
    if (swarm != null) {
      swarm.close();
    }
  }

  @Test
  void originBytesOfTheSimulatedAndTheRealSwarmAgree() throws Exception {
    Scenario s = ScenarioFile.load("validate-8", Map.of());
    int nodes = s.nodeCounts().get(0);
    RunResult sim = Simulation.runOne(s, nodes).swarm();
    assertEquals(nodes, sim.finished(), "every simulated node finished: " + sim.notes());

    swarm = SwarmBuilder.in(tmp).agents(nodes).trackers(1).model((int) s.modelBytes(), s.chunkBytes()).build();
    meter = new SwarmCpuMeter(swarm.origin::served, 250);
    meter.start();
    long t0 = System.nanoTime();
    List<Future<Double>> pulls = new ArrayList<>();
    for (int i = 0; i < nodes; i++) {
      int n = i;
      pulls.add(pool.submit(() -> {
        ControlResponse r = swarm.pull(n, swarm.ref.toString());
        assertFalse(r.hasError(), "n" + n + ": " + r.getError().getMessage());
        return (System.nanoTime() - t0) / 1e9;
      }));
    }
    double[] real = new double[nodes];
    for (int i = 0; i < nodes; i++) {
      real[i] = pulls.get(i).get(240, TimeUnit.SECONDS);
    }
    meter.stop();
    for (int i = 0; i < nodes; i++) {
      swarm.assertHoldsModel(i);
    }
    Arrays.sort(real);
    double realCopies = (double) swarm.origin.served() / s.modelBytes();
    double simCopies = sim.originCopies();
    double[] simulated = sim.readySeconds();
    StringBuilder csv = new StringBuilder("rank,real_s,simulated_s\n");
    for (int i = 0; i < nodes; i++) {
      csv.append(String.format(Locale.ROOT, "%d,%.3f,%.3f%n", i + 1, real[i], simulated[i]));
    }
    csv.append(String.format(Locale.ROOT, "# origin copies: real %.4f simulated %.4f%n", realCopies, simCopies));
    Path out = Path.of(System.getProperty("sim.agreement.out", "target/sim-agreement.csv"));
    Files.createDirectories(out.toAbsolutePath().getParent());
    Files.writeString(out, csv);
    // What the real swarm spent its time on: CPU per MiB, effective cores, origin rate over time.
    // The origin's HTTP path: the JDK HTTP server's pool (SlowHttpOrigin), the counting proxy, the agents' HTTP clients.
    String profile = meter.report(nodes * s.modelBytes(), swarm.origin.served(),
        g -> g.startsWith("pool-") || g.startsWith("HTTP-Dispatcher") || g.startsWith("counting-proxy") || g.startsWith("HttpClient-"),
        Runtime.getRuntime().availableProcessors());
    Files.writeString(Path.of(System.getProperty("sim.agreement.profile", "target/sim-agreement-profile.txt")), profile);
    log.info("validate-8 real swarm: {}", profile.lines().findFirst().orElse(""));
    log.info("validate-8: origin copies real {} simulated {}; all ready real {} s simulated {} s",
        String.format("%.3f", realCopies), String.format("%.3f", simCopies), String.format("%.1f", real[nodes - 1]),
        String.format("%.1f", sim.allReadySeconds()));
    // Both must serve about one copy, and within 10% of the model of each other.
    assertTrue(realCopies >= 0.999 && simCopies >= 0.999, "each origin served at least one copy");
    assertTrue(Math.abs(realCopies - simCopies) <= 0.10,
        String.format(Locale.ROOT, "origin bytes disagree: real %.3f x model, simulated %.3f x model", realCopies, simCopies));
  }
}
