package io.modelfs.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.modelfs.schedule.SchedulerConfig;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ScenarioFileTest {
  @Test
  void everyShippedScenarioParses() throws Exception {
    for (String name : ScenarioFile.SHIPPED) {
      Scenario s = ScenarioFile.load(name, Map.of());
      assertEquals(name, s.name());
      assertTrue(s.chunkCount() > 0, name);
    }
    Scenario f = ScenarioFile.load("fanout-50", Map.of());
    assertEquals(List.of(50), f.nodeCounts());
    assertEquals(140_000_000_000L, f.modelBytes());
    assertEquals(64 << 20, f.chunkBytes());
    assertEquals(25e9 / 8, f.nodes().nics().get(0).down(), 1e-3);
    assertEquals(500e6, f.origin().perNode(), 1e-3);
    assertEquals(2.5e9, f.nfs().aggregate(), 1e-3);
    assertEquals(SchedulerConfig.defaults(), f.scheduler());
    assertEquals(List.of(10, 100, 1000, 10000), ScenarioFile.load("scaling", Map.of()).nodeCounts());
    assertFalse(f.nodes().host().shared());
    Scenario.Host host = ScenarioFile.load("validate-8", Map.of()).nodes().host();
    assertTrue(host.shared() && host.cores() == 2 && host.cpuPerByte() > 0 && host.originCpuPerByte() > 0, host.toString());
  }

  @Test
  void loadsAFileFromDiskAndAppliesOverrides(@TempDir Path dir) throws Exception {
    Path p = dir.resolve("mine.properties");
    Files.writeString(p, "nodes=7\nmodel.size=1GiB\nscheduler.maxDownloads=3\nscheduler.peerStall=2.5s\nscheduler.uploadBytesPerSecond=1GB/s\n");
    Scenario s = ScenarioFile.load(p.toString(), Map.of("nodes", "9", "chunk.size", "4MiB"));
    assertEquals("mine", s.name());
    assertEquals(List.of(9), s.nodeCounts());
    assertEquals(1L << 30, s.modelBytes());
    assertEquals(256, s.chunkCount());
    assertEquals(3, s.scheduler().maxDownloads());
    assertEquals(Duration.ofMillis(2500), s.scheduler().peerStall());
    assertEquals(1_000_000_000L, s.scheduler().uploadBytesPerSecond());
    assertEquals(SchedulerConfig.defaults().leaseBatch(), s.scheduler().leaseBatch());
  }

  @Test
  void rejectsBadInputNamingTheKeyAndTheValue() {
    var unknown = assertThrows(IllegalArgumentException.class, () -> parse("nodez=5\n"));
    assertTrue(unknown.getMessage().contains("nodez"), unknown.getMessage());
    var unit = assertThrows(IllegalArgumentException.class, () -> parse("node.nic=25Gbs\n"));
    assertTrue(unit.getMessage().contains("25Gbs"), unit.getMessage());
    var weights = assertThrows(IllegalArgumentException.class, () -> parse("node.nic=10Gbps:0.5,25Gbps:0.2\n"));
    assertTrue(weights.getMessage().contains("sum to 1"), weights.getMessage());
    var sched = assertThrows(IllegalArgumentException.class, () -> parse("scheduler.maxDownloads=0\n"));
    assertTrue(sched.getMessage().contains("maxDownloads"), sched.getMessage());
    var nope = assertThrows(IllegalArgumentException.class, () -> parse("scheduler.warpDrive=1\n"));
    assertTrue(nope.getMessage().contains("warpDrive"), nope.getMessage());
    var churn = assertThrows(IllegalArgumentException.class, () -> parse("churn.late=0.8\nchurn.leave=0.5\n"));
    assertTrue(churn.getMessage().contains("churn"), churn.getMessage());
    var cores = assertThrows(IllegalArgumentException.class, () -> parse("host.cores=two\n"));
    assertTrue(cores.getMessage().contains("host.cores") && cores.getMessage().contains("two"), cores.getMessage());
    var free = assertThrows(IllegalArgumentException.class, () -> parse("host.cores=2\n"));
    assertTrue(free.getMessage().contains("host.cpuPerMiB"), free.getMessage());
    var missing = assertThrows(IllegalArgumentException.class, () -> ScenarioFile.load("no-such-scenario", Map.of()));
    assertTrue(missing.getMessage().contains("fanout-50"), missing.getMessage());
  }

  @Test
  void unitsParseAsVendorsQuoteThem() {
    assertEquals(3.125e9, Units.rate("25Gbps"), 1e-3);
    assertEquals(2.5e9, Units.rate("2.5GB/s"), 1e-3);
    assertEquals(1200 * 1048576.0, Units.rate("1200MiB/s"), 1e-3);
    assertTrue(Double.isInfinite(Units.rate("unlimited")));
    assertEquals(140_000_000_000L, Units.size("140GB"));
    assertEquals(64L << 20, Units.size("64MiB"));
    assertEquals(200_000, Units.nanos("200us"));
    assertEquals(90_000_000_000L, Units.nanos("1.5min"));
    assertThrows(IllegalArgumentException.class, () -> Units.size("5 parsecs"));
  }

  private static Scenario parse(String text) throws Exception {
    return ScenarioFile.parse("t", new StringReader(text), Map.of());
  }
}
