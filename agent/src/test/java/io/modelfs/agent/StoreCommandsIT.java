package io.modelfs.agent;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.modelfs.agent.demo.SampleModel;
import io.modelfs.core.ModelRef;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code modelfs pull --pin}, {@code ls}, {@code verify}, {@code unpin} and {@code gc} as a user
 * runs them (the built jar in child processes): through a running agent, then with
 * {@code --store} on the stopped agent's store.
 */
class StoreCommandsIT {
  private static final Path JAR = Path.of(System.getProperty("modelfs.jar", "target/modelfs.jar")).toAbsolutePath();

  @TempDir Path tmp;

  @Test
  void pinLsVerifyUnpinAndGcThroughTheAgentAndOnAStoppedStore() throws Exception {
    Path source = tmp.resolve("model");
    SampleModel.generate(source, 6L << 20, 2);
    Run imported = run(List.of("import", source.toUri().toString(), "--name", "sample", "--chunk-size", "1MiB"));
    assertEquals(0, imported.exit, imported.all());
    String[] lines = imported.out.strip().split("\n");
    ModelRef ref = ModelRef.parse(lines[lines.length - 1]);
    Path store = tmp.resolve("store");
    Path sock = tmp.resolve("agent.sock");
    Path mnt = tmp.resolve("mnt");
    String agentSock = sock.toString();

    Process agent = new ProcessBuilder("java", "-jar", JAR.toString(), "agent", "--mount", mnt.toString(),
        "--store", store.toString(), "--manifests", source.resolve(".modelfs/manifests").toString(),
        "--control", agentSock, "--http", "off", "--store-min-free", "0")
        .redirectErrorStream(true).redirectOutput(tmp.resolve("agent.log").toFile()).start();
    try {
      for (int i = 0; i < 150 && !Files.exists(sock); i++) {
        Thread.sleep(100);
      }
      assertTrue(Files.exists(sock), "agent started: " + Files.readString(tmp.resolve("agent.log")));

      Run pull = run(List.of("pull", "--pin", "--agent", agentSock, ref.toString()));
      assertEquals(0, pull.exit, pull.all());
      assertTrue(pull.out.contains("pinned " + ref), pull.all());

      Run ls = run(List.of("ls", "--agent", agentSock));
      assertEquals(0, ls.exit, ls.all());
      String chunks = chunkCount(store) + "/" + chunkCount(store);
      assertTrue(ls.out.contains(ref.toString()) && ls.out.contains(chunks) && ls.out.contains("yes"), ls.all());

      Run gcPinned = run(List.of("gc", "--to", "0", "--agent", agentSock));
      assertEquals(0, gcPinned.exit, gcPinned.all());
      assertTrue(gcPinned.out.startsWith("evicted 0 chunks"), gcPinned.all());

      Path victim = anyChunkFile(store);
      byte[] rotten = Files.readAllBytes(victim);
      rotten[100] ^= 1;
      Files.write(victim, rotten);
      Run verify = run(List.of("verify", "--model", ref.toString(), "--agent", agentSock));
      assertEquals(1, verify.exit, verify.all());
      assertTrue(verify.out.contains("CORRUPT " + victim.getFileName()) && verify.out.contains("1 corrupt"), verify.all());

      Path shard = source.resolve("model-00001-of-00001.safetensors");
      assertArrayEquals(Files.readAllBytes(shard), Files.readAllBytes(mnt.resolve(ref.toString()).resolve(shard.getFileName())),
          "the corrupt chunk is fetched again on read");
      Run verifyAgain = run(List.of("verify", "--agent", agentSock));
      assertEquals(0, verifyAgain.exit, verifyAgain.all());

      Run busy = run(List.of("ls", "--store", store.toString()));
      assertEquals(1, busy.exit, busy.all());
      assertTrue(busy.err.contains("already open") && busy.err.contains("drop --store"), busy.all());

      agent.destroy(); // SIGTERM
      assertTrue(agent.waitFor(30, TimeUnit.SECONDS), "agent stops on SIGTERM");
    } finally {
      agent.destroyForcibly();
      agent.waitFor(10, TimeUnit.SECONDS);
      new ProcessBuilder("umount", "-l", mnt.toString()).start().waitFor(10, TimeUnit.SECONDS);
    }

    long stored = chunkCount(store);
    Run ls = run(List.of("ls", "--store", store.toString()));
    assertEquals(0, ls.exit, ls.all());
    assertTrue(ls.out.contains(stored + " chunks") && ls.out.contains(ref.toString()) && ls.out.contains("yes"), ls.all());
    Run verify = run(List.of("verify", "--store", store.toString(), "--model", ref.toString()));
    assertEquals(0, verify.exit, verify.all());
    assertTrue(verify.out.contains("verified " + stored + " chunks"), verify.all());
    Run noTarget = run(List.of("gc", "--store", store.toString()));
    assertEquals(2, noTarget.exit, noTarget.all());
    Run unpin = run(List.of("unpin", "--store", store.toString(), ref.toString()));
    assertEquals(0, unpin.exit, unpin.all());
    Run gc = run(List.of("gc", "--store", store.toString(), "--to", "0"));
    assertEquals(0, gc.exit, gc.all());
    assertTrue(gc.out.startsWith("evicted " + stored + " chunks") && gc.out.contains("0 chunks, 0 B left"), gc.all());
    assertEquals(0, chunkCount(store));
    Run unpinAgain = run(List.of("unpin", "--store", store.toString(), ref.toString()));
    assertEquals(1, unpinAgain.exit, unpinAgain.all());
    assertTrue(unpinAgain.err.contains("was not pinned"), unpinAgain.all());
  }

  private static long chunkCount(Path store) throws Exception {
    try (Stream<Path> walk = Files.walk(store.resolve("chunks"))) {
      return walk.filter(Files::isRegularFile).count();
    }
  }

  private static Path anyChunkFile(Path store) throws Exception {
    try (Stream<Path> walk = Files.walk(store.resolve("chunks"))) {
      return walk.filter(Files::isRegularFile).findFirst().orElseThrow();
    }
  }

  private record Run(int exit, String out, String err) {
    String all() {
      return "exit " + exit + "\nstdout:\n" + out + "\nstderr:\n" + err;
    }
  }

  private Run run(List<String> args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("java", "-jar", JAR.toString()));
    cmd.addAll(args);
    Path out = Files.createTempFile(tmp, "out", ".txt");
    Path err = Files.createTempFile(tmp, "err", ".txt");
    Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("modelfs " + args + " did not finish in 120 s: " + Files.readString(err, StandardCharsets.UTF_8));
    }
    return new Run(p.exitValue(), Files.readString(out), Files.readString(err));
  }
}
