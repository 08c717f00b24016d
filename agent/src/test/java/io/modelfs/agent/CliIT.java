package io.modelfs.agent;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.modelfs.agent.demo.SampleModel;
import io.modelfs.core.ModelRef;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CLI as a user runs it: the built jar in child processes — demo --smoke, then import,
 * agent, pull, status, and a clean unmount on SIGTERM.
 */
class CliIT {
  private static final Path JAR = Path.of("target/modelfs.jar").toAbsolutePath();

  @TempDir Path tmp;

  @Test
  void demoSmokeReadsEverythingBackAndPasses() throws Exception {
    Run r = run(List.of("demo", "--smoke", "--size", "20MiB", "--dir", tmp.toString()), 180);
    assertEquals(0, r.exit, r.all());
    assertTrue(r.out.contains("smoke test passed"), r.all());
    assertFalse(isMounted(tmp.resolve("mnt")), "demo unmounts when done");
  }

  @Test
  void importAgentPullStatusAndCleanStop() throws Exception {
    Path source = tmp.resolve("model");
    SampleModel.generate(source, 12L << 20, 3);
    Run imported = run(List.of("import", source.toUri().toString(), "--name", "sample", "--chunk-size", "1MiB"), 120);
    assertEquals(0, imported.exit, imported.all());
    String[] lines = imported.out.strip().split("\n");
    ModelRef ref = ModelRef.parse(lines[lines.length - 1]);

    Path sock = tmp.resolve("agent.sock");
    Path mnt = tmp.resolve("mnt");
    Process agent = new ProcessBuilder("java", "-jar", JAR.toString(), "agent", "--mount", mnt.toString(),
        "--store", tmp.resolve("store").toString(), "--manifests", source.resolve(".modelfs/manifests").toString(),
        "--control", sock.toString(), "--http", "127.0.0.1:0")
        .redirectErrorStream(true).redirectOutput(tmp.resolve("agent.log").toFile()).start();
    try {
      for (int i = 0; i < 150 && !Files.exists(sock); i++) {
        Thread.sleep(100);
      }
      assertTrue(Files.exists(sock), "agent started: " + Files.readString(tmp.resolve("agent.log")));

      Run pull = run(List.of("pull", "--agent", sock.toString(), ref.toString()), 120);
      assertEquals(0, pull.exit, pull.all());
      assertTrue(pull.out.contains("pulled " + ref), pull.all());

      Run status = run(List.of("status", "--agent", sock.toString()), 60);
      assertEquals(0, status.exit, status.all());
      assertTrue(status.out.contains(ref.toString()), status.all());

      Path shard = source.resolve("model-00001-of-00001.safetensors");
      assertArrayEquals(Files.readAllBytes(shard), Files.readAllBytes(mnt.resolve(ref.toString()).resolve(shard.getFileName())));

      Run unknown = run(List.of("pull", "--agent", sock.toString(), "sample@sha256:" + "0".repeat(64)), 60);
      assertEquals(1, unknown.exit, unknown.all());
      assertTrue(unknown.err.contains("not found"), unknown.all());

      agent.destroy(); // SIGTERM
      assertTrue(agent.waitFor(30, TimeUnit.SECONDS), "agent stops on SIGTERM");
      assertFalse(isMounted(mnt), "agent unmounts on SIGTERM");
    } finally {
      agent.destroyForcibly();
      agent.waitFor(10, TimeUnit.SECONDS);
      new ProcessBuilder("umount", "-l", mnt.toString()).start().waitFor(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void clientCommandsExplainAnUnreachableAgent() throws Exception {
    Run r = run(List.of("pull", "--agent", tmp.resolve("nobody.sock").toString(), "m@sha256:" + "a".repeat(64)), 60);
    assertEquals(1, r.exit, r.all());
    assertTrue(r.err.contains("cannot reach the modelfs agent"), r.all());
    Run bad = run(List.of("pull", "not a ref!"), 60); // NAME[:TAG] is a valid argument; this is neither
    assertTrue(bad.exit != 0 && bad.err.contains("<name>@sha256:<64 hex>"), bad.all());
  }

  static boolean isMounted(Path dir) throws IOException {
    return Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
        .anyMatch(l -> l.split(" ")[4].equals(dir.toAbsolutePath().toString()));
  }

  private record Run(int exit, String out, String err) {
    String all() {
      return "exit " + exit + "\nstdout:\n" + out + "\nstderr:\n" + err;
    }
  }

  private Run run(List<String> args, int timeoutSeconds) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("java", "-jar", JAR.toString()));
    cmd.addAll(args);
    Path out = Files.createTempFile(tmp, "out", ".txt");
    Path err = Files.createTempFile(tmp, "err", ".txt");
    Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("modelfs " + args + " did not finish in " + timeoutSeconds + " s: "
          + Files.readString(err, StandardCharsets.UTF_8));
    }
    return new Run(p.exitValue(), Files.readString(out), Files.readString(err));
  }
}
