package io.modelfs.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * deploy/local/cluster.sh as a user runs it: two agents, three trackers and the HTTP origin, each
 * in its own network namespace; every agent pulls the model over the bridge and reads it back
 * byte for byte through its mount; then everything is gone: no namespace, no mount.
 */
class LocalClusterIT {
  private static final Path SCRIPT = Chart.DEPLOY.resolve("local/cluster.sh");

  @TempDir Path tmp;

  @Test
  void startsAgentsTrackersAndOriginInNamespacesServesTheModelAndTearsDown() throws Exception {
    String prefix = "mfsit" + ThreadLocalRandom.current().nextInt(1000, 9999);
    Path out = tmp.resolve("cluster.out");
    Process p = new ProcessBuilder(SCRIPT.toString(), "-n", "2", "-s", "16", "-p", prefix, "--check")
        .redirectErrorStream(true).redirectOutput(out.toFile()).start();
    try {
      boolean done = p.waitFor(300, TimeUnit.SECONDS);
      String log = Files.readString(out);
      assertTrue(done, "cluster.sh --check did not finish in 300 s:\n" + log);
      assertEquals(0, p.exitValue(), log);
      assertTrue(log.contains("all 2 agents read the model byte for byte"), log);
      assertTrue(log.lines().filter(l -> l.matches("a[12]\\s+10\\.231\\.0\\.1[12]\\s.*\\sok")).count() == 2, log);
    } finally {
      if (p.isAlive()) {
        p.destroy(); // SIGTERM: the script's trap tears down
        p.waitFor(60, TimeUnit.SECONDS);
        p.destroyForcibly();
      }
      for (String ns : namespaces(prefix)) {
        new ProcessBuilder("ip", "netns", "del", ns).start().waitFor(10, TimeUnit.SECONDS);
      }
    }
    assertEquals(List.of(), namespaces(prefix), "the script removes its namespaces");
    assertTrue(Files.readAllLines(Path.of("/proc/self/mountinfo")).stream().noneMatch(l -> l.contains("modelfs-cluster.")),
        "the script leaves no mount behind");
  }

  private static List<String> namespaces(String prefix) throws Exception {
    Process ls = new ProcessBuilder("ip", "netns", "list").start();
    String text = new String(ls.getInputStream().readAllBytes());
    ls.waitFor(10, TimeUnit.SECONDS);
    return text.lines().map(l -> l.split(" ")[0]).filter(n -> n.startsWith(prefix)).toList();
  }
}
