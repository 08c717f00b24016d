package io.modelfs.sim;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code modelfs simulate <scenario-file-or-name>}: runs a scenario, prints the tables and writes
 * CSV and SVG charts. Defined here so the agent's CLI only lists it; it translates arguments and
 * delegates to {@link Simulation} and {@link Report}. Exit 0 on success, 2 for a bad scenario or
 * option (the message names the key and the value), 1 if writing the results failed.
 */
@Command(name = "simulate", mixinStandardHelpOptions = true, description = {
    "Simulate a fleet fetching one model: the modelfs swarm (the agent's own scheduler on every node, a simulated network),",
    "an NFS-like server and every node reading object storage directly; time-to-ready, origin egress and dollars.",
    "Shipped scenarios: fanout-50, scaling, scale-10000, churn, heterogeneous, slow-origin, straggler, validate-8."})
public final class SimulateCommand implements Callable<Integer> {
  @Parameters(index = "0", arity = "0..1", paramLabel = "SCENARIO", description = "A shipped scenario name or a .properties file.")
  String scenario;

  @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Override a scenario setting, e.g. --set nodes=100 --set scheduler.maxDownloads=8.")
  Map<String, String> overrides = new LinkedHashMap<>();

  @Option(names = "--out", paramLabel = "DIR", description = "Where to write CSV and SVG files (default: sim-results/<scenario>).")
  Path out;

  @Option(names = "--list", description = "List the shipped scenarios and exit.")
  boolean list;

  /** The same command without the agent's jar (bench/simulate.sh runs it from the module's classes). */
  public static void main(String[] args) {
    System.exit(new picocli.CommandLine(new SimulateCommand()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    if (list || scenario == null) {
      System.out.println("shipped scenarios: " + String.join(", ", ScenarioFile.SHIPPED));
      return list ? 0 : 2;
    }
    Scenario s;
    try {
      s = ScenarioFile.load(scenario, overrides);
    } catch (IllegalArgumentException e) {
      System.err.println("modelfs simulate: " + e.getMessage());
      return 2;
    }
    List<Simulation.Outcome> outcomes = Simulation.run(s);
    Report.print(System.out, s, outcomes);
    Path dir = out != null ? out : Path.of("sim-results", s.name());
    try {
      List<Path> files = Report.write(dir, s, outcomes);
      System.out.println();
      System.out.println("wrote " + files.size() + " files to " + dir.toAbsolutePath() + ": "
          + String.join(", ", files.stream().map(p -> p.getFileName().toString()).toList()));
      return 0;
    } catch (java.io.IOException e) {
      System.err.println("modelfs simulate: cannot write results to " + dir + ": " + e.getMessage());
      return 1;
    }
  }
}
