package io.modelfs.agent;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.modelfs.agent.demo.SampleModel;
import io.modelfs.core.ModelRef;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What an agent restart (a DaemonSet pod replaced, or a crash) does to readers, with the built
 * jar in child processes and a real mount: {@code kill -9} the agent while a reader holds a file
 * open; the reader's next read fails at once instead of hanging; a new agent on the same store
 * serves new opens at once without fetching a stored chunk again — proven by taking the origin
 * away before the restart, so any origin read would fail the test.
 */
class AgentRestartIT {
  private static final Path JAR = Path.of("target/modelfs.jar").toAbsolutePath();
  private static final String SHARD = "model-00001-of-00001.safetensors";

  @TempDir Path tmp;
  private final List<Process> processes = new ArrayList<>();

  @AfterEach
  void cleanUp() throws Exception {
    for (Process p : processes) {
      p.destroyForcibly();
      p.waitFor(10, TimeUnit.SECONDS);
    }
    new ProcessBuilder("umount", "-l", tmp.resolve("mnt").toString()).redirectErrorStream(true).start().waitFor(10, TimeUnit.SECONDS);
  }

  @Test
  void killedAgentFailsOpenReadersAndARestartedOneServesFromTheStoreAlone() throws Exception {
    Path source = tmp.resolve("origin/model");
    SampleModel.generate(source, 12L << 20, 5);
    Path manifests = tmp.resolve("manifests");
    Run imported = run(List.of("import", source.toUri().toString(), "--name", "restart", "--chunk-size", "1MiB",
        "--manifests", manifests.toUri().toString()), 120);
    assertEquals(0, imported.exit, imported.all());
    String[] lines = imported.out.strip().split("\n");
    ModelRef ref = ModelRef.parse(lines[lines.length - 1]);
    Path mnt = tmp.resolve("mnt");
    Path sock = tmp.resolve("agent.sock");

    Process first = startAgent(mnt, sock, "agent-1.log");
    Run pull = run(List.of("pull", "--agent", sock.toString(), ref.toString()), 120);
    assertEquals(0, pull.exit, pull.all());

    // A reader opens the shard, reads its first page, and waits for us before reading its last one.
    Path shard = mnt.resolve(ref.toString()).resolve(SHARD);
    Process reader = start(new ProcessBuilder("python3", "-u", "-c", String.join("\n",
        "import os, sys",
        "fd = os.open(sys.argv[1], os.O_RDONLY)",
        "os.read(fd, 4096)",
        "print('open', flush=True)",
        "sys.stdin.readline()",
        "try:",
        "    os.pread(fd, 4096, os.fstat(fd).st_size - 4096)",
        "    print('read ok', flush=True)",
        "except OSError as e:",
        "    print('error', e.errno, e.strerror, flush=True)"), shard.toString()));
    BufferedReader readerOut = new BufferedReader(new InputStreamReader(reader.getInputStream(), StandardCharsets.UTF_8));
    assertEquals("open", readerOut.readLine());

    first.destroyForcibly(); // SIGKILL: no unmount, no cleanup
    assertTrue(first.waitFor(30, TimeUnit.SECONDS));
    Writer toReader = new OutputStreamWriter(reader.getOutputStream(), StandardCharsets.UTF_8);
    toReader.write("go\n");
    toReader.flush();
    assertTrue(reader.waitFor(20, TimeUnit.SECONDS), "a reader of a dead agent's mount gets an error, not a hang");
    String outcome = readerOut.readLine();
    assertTrue(outcome != null && outcome.startsWith("error"), "reader said: " + outcome);

    // Take the origin away: after the restart every byte must come from the store.
    Path gone = tmp.resolve("origin-gone");
    Files.move(tmp.resolve("origin"), gone);

    startAgent(mnt, sock, "agent-2.log");
    Path stored = gone.resolve("model");
    try (Stream<Path> files = Files.walk(stored)) {
      for (Path f : files.filter(Files::isRegularFile).filter(f -> !stored.relativize(f).startsWith(".modelfs")).toList()) {
        Path through = mnt.resolve(ref.toString()).resolve(stored.relativize(f).toString());
        assertArrayEquals(Files.readAllBytes(f), Files.readAllBytes(through), "after restart: " + through);
      }
    }
    Run status = run(List.of("status", "--agent", sock.toString()), 60);
    assertEquals(0, status.exit, status.all());
  }

  private Process startAgent(Path mnt, Path sock, String log) throws Exception {
    Files.deleteIfExists(sock);
    Process agent = start(new ProcessBuilder("java", "-jar", JAR.toString(), "agent", "--mount", mnt.toString(),
        "--store", tmp.resolve("store").toString(), "--manifests", tmp.resolve("manifests").toUri().toString(),
        "--control", sock.toString(), "--http", "off", "--read-timeout", "5s")
        .redirectErrorStream(true).redirectOutput(tmp.resolve(log).toFile()));
    for (int i = 0; i < 300 && !Files.exists(sock) && agent.isAlive(); i++) {
      Thread.sleep(100);
    }
    assertTrue(Files.exists(sock), "agent started: " + Files.readString(tmp.resolve(log)));
    return agent;
  }

  private Process start(ProcessBuilder pb) throws IOException {
    Process p = pb.start();
    processes.add(p);
    return p;
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
      throw new AssertionError("modelfs " + args + " did not finish in " + timeoutSeconds + " s: " + Files.readString(err));
    }
    return new Run(p.exitValue(), Files.readString(out), Files.readString(err));
  }
}
