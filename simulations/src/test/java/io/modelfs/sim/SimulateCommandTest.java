package io.modelfs.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** `modelfs simulate` end to end, with the agent's real scheduler on every node. */
class SimulateCommandTest {
  @Test
  void runsAScenarioFilePrintsTheTablesAndWritesCsvAndCharts(@TempDir Path dir) throws Exception {
    Path scenario = dir.resolve("tiny.properties");
    Files.writeString(scenario, "nodes=6\nmodel.size=1GB\nchunk.size=64MiB\nnode.nic=10Gbps\nneighbours=4\ntimeLimit=10min\n");
    Path out = dir.resolve("out");
    String printed = run(0, scenario.toString(), "--out", out.toString(), "--set", "seed=3");
    assertTrue(printed.contains("modelfs swarm"), printed);
    assertTrue(printed.contains("NFS-like server"), printed);
    assertTrue(printed.contains("Amazon FSx for Lustre"), printed);
    assertTrue(printed.contains("events/s"), printed);
    for (String f : new String[] {"summary.csv", "completion.csv", "timeseries.csv", "cost.csv", "completion-cdf.svg",
        "origin-egress.svg", "throughput.svg"}) {
      assertTrue(Files.size(out.resolve(f)) > 100, f);
    }
    String summary = Files.readString(out.resolve("summary.csv"));
    assertTrue(summary.lines().anyMatch(l -> l.startsWith("tiny,6,modelfs swarm,")), summary);
    assertEquals(6 * 3 + 1, Files.readAllLines(out.resolve("completion.csv")).size());
    assertTrue(Files.readString(out.resolve("completion-cdf.svg")).startsWith("<svg"));
  }

  @Test
  void aBadSettingExitsTwoNamingTheKeyAndWritesNothing(@TempDir Path dir) throws Exception {
    Path out = dir.resolve("out");
    String err = run(2, "fanout-50", "--set", "node.nic=fast", "--out", out.toString());
    assertTrue(err.contains("fast"), err);
    assertTrue(!Files.exists(out));
    assertTrue(run(2, "no-such-scenario").contains("fanout-50"));
  }

  private static String run(int expectedExit, String... args) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    PrintStream old = System.out;
    PrintStream oldErr = System.err;
    PrintStream capture = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    System.setOut(capture);
    System.setErr(capture);
    try {
      assertEquals(expectedExit, new CommandLine(new SimulateCommand()).execute(args), () -> bytes.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(old);
      System.setErr(oldErr);
    }
    return bytes.toString(StandardCharsets.UTF_8);
  }
}
