package io.modelfs.faults;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.modelfs.core.ModelRef;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The built modelfs jar as a user runs it, in child processes: agents that can be {@code kill -9}ed,
 * CLI commands, and readers that read a file through a mount in their own process (a JVM must not
 * fault on a FUSE mount it serves) and report its SHA-256 or the errno they got. Every process
 * started here is killed and every mount unmounted by {@link #close}.
 */
final class Modelfs implements AutoCloseable {
  /** The built jar; {@code -Dmodelfs.jar=PATH} points at another build of it. */
  private static final Path BUILT_JAR = Path.of(System.getProperty("modelfs.jar", "../agent/target/modelfs.jar"))
      .toAbsolutePath().normalize();
  /** A copy of the built jar taken once per test JVM, so a rebuild during the run cannot pull it away. */
  static final Path JAR = snapshot(BUILT_JAR);
  private static final List<String> JAVA = List.of("java", "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1");
  private static final String READER = String.join("\n",
      "import hashlib, os, sys, time",
      "t = time.monotonic()",
      "try:",
      "    h = hashlib.sha256()",
      "    with open(sys.argv[1], 'rb', buffering=0) as f:",
      "        while True:",
      "            b = f.read(1 << 20)",
      "            if not b:",
      "                break",
      "            h.update(b)",
      "    print('ok', h.hexdigest(), '%.2f' % (time.monotonic() - t))",
      "except OSError as e:",
      "    print('error', e.errno, '%.2f' % (time.monotonic() - t))");

  private final Path work;
  private final List<Process> processes = new ArrayList<>();
  private final List<Path> mounts = new ArrayList<>();

  Modelfs(Path work) {
    this.work = work;
    assertTrue(JAR != null, BUILT_JAR + " is missing: build the agent module first");
  }

  private static Path snapshot(Path built) {
    try {
      Path copy = Files.createTempFile("modelfs-faults-", ".jar");
      copy.toFile().deleteOnExit();
      return Files.copy(built, copy, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      return null;
    }
  }

  /** What a CLI command printed and returned. */
  record Run(int exit, String out, String err) {
    String all() {
      return "exit " + exit + "\nstdout:\n" + out + "\nstderr:\n" + err;
    }
  }

  /** What a reader got: the file's SHA-256, or an errno; and how long it took. */
  record Read(String sha256, int errno, double seconds) {
    boolean ok() {
      return sha256 != null;
    }
  }

  /** A running agent: its process, control socket, mount and log. */
  record Agent(Process process, Path control, Path mount, Path store, Path log) {
    Path file(ModelRef ref, String path) {
      return mount.resolve(ref.toString()).resolve(path);
    }

    String logText() throws IOException {
      return Files.readString(log);
    }
  }

  /** Runs {@code modelfs args...} to completion (bounded), in the network namespace {@code netns} if not null. */
  Run run(String netns, List<String> args, int timeoutSeconds) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(inNamespace(netns));
    cmd.addAll(JAVA);
    cmd.addAll(List.of("-jar", JAR.toString()));
    cmd.addAll(args);
    Path out = Files.createTempFile(work, "out", ".txt");
    Path err = Files.createTempFile(work, "err", ".txt");
    Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
      p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      throw new AssertionError("modelfs " + args + " did not finish in " + timeoutSeconds + " s: " + Files.readString(err));
    }
    return new Run(p.exitValue(), Files.readString(out), Files.readString(err));
  }

  Run run(List<String> args, int timeoutSeconds) throws IOException, InterruptedException {
    return run(null, args, timeoutSeconds);
  }

  /** Imports {@code uri} with 1 MiB chunks into {@code manifests}; returns the ref. */
  ModelRef importModel(String uri, String name, Path manifests) throws IOException, InterruptedException {
    return importModel(uri, name, manifests, "1MiB");
  }

  /** Imports {@code uri} with chunks of {@code chunkSize} into {@code manifests}; returns the ref. */
  ModelRef importModel(String uri, String name, Path manifests, String chunkSize) throws IOException, InterruptedException {
    Run r = run(List.of("import", uri, "--name", name, "--chunk-size", chunkSize, "--manifests", manifests.toUri().toString()), 180);
    assertTrue(r.exit == 0, r.all());
    String[] lines = r.out.strip().split("\n");
    return ModelRef.parse(lines[lines.length - 1].strip());
  }

  /**
   * Starts an agent named {@code name} (mount, store, socket and log under the work directory)
   * with {@code extra} options, in {@code netns} if not null, and waits until its control socket
   * answers.
   */
  Agent startAgent(String name, String netns, Path manifests, List<String> extra) throws IOException, InterruptedException {
    Path dir = Files.createDirectories(work.resolve(name));
    Path mount = Files.createDirectories(dir.resolve("mnt"));
    Path control = dir.resolve("agent.sock");
    Path log = dir.resolve("agent-" + System.nanoTime() + ".log");
    Files.deleteIfExists(control);
    List<String> cmd = new ArrayList<>(inNamespace(netns));
    cmd.addAll(JAVA);
    cmd.addAll(List.of("-jar", JAR.toString(), "agent", "--mount", mount.toString(), "--store", dir.resolve("store").toString(),
        "--manifests", manifests.toUri().toString(), "--control", control.toString(), "--http", "off",
        "--store-min-free", "0"));
    cmd.addAll(extra);
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    processes.add(p);
    if (!mounts.contains(mount)) {
      mounts.add(mount);
    }
    for (int i = 0; i < 600 && !Files.exists(control) && p.isAlive(); i++) {
      Thread.sleep(100);
    }
    assertTrue(Files.exists(control), "agent " + name + " did not start in 60 s: " + Files.readString(log));
    return new Agent(p, control, mount, dir.resolve("store"), log);
  }

  /** {@code kill -9}: no unmount, no flush, no goodbye to peers. */
  static void kill9(Agent agent) throws InterruptedException {
    agent.process().destroyForcibly();
    assertTrue(agent.process().waitFor(30, TimeUnit.SECONDS), "agent did not die");
  }

  /** Unmounts what a killed agent left behind, so a new agent can mount at the same place. */
  static void unmount(Path mount) throws IOException, InterruptedException {
    new ProcessBuilder("umount", "-l", mount.toString()).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor(10, TimeUnit.SECONDS);
  }

  /** Starts a reader of {@code file} (in its own process); {@link #result} waits for it. */
  Process startRead(Path file) throws IOException {
    Process p = new ProcessBuilder("python3", "-c", READER, file.toString()).redirectErrorStream(true).start();
    processes.add(p);
    return p;
  }

  /** The outcome of a reader started with {@link #startRead}, waiting at most {@code timeoutSeconds}. */
  static Read result(Process reader, int timeoutSeconds) throws IOException, InterruptedException {
    if (!reader.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
      reader.destroyForcibly();
      throw new AssertionError("a reader hung for more than " + timeoutSeconds + " s");
    }
    String[] out = new String(reader.getInputStream().readAllBytes()).strip().split("\\s+");
    if (out.length == 3 && out[0].equals("ok")) {
      return new Read(out[1], 0, Double.parseDouble(out[2]));
    }
    if (out.length == 3 && out[0].equals("error")) {
      return new Read(null, Integer.parseInt(out[1]), Double.parseDouble(out[2]));
    }
    throw new AssertionError("reader printed: " + String.join(" ", out));
  }

  Read read(Path file, int timeoutSeconds) throws IOException, InterruptedException {
    return result(startRead(file), timeoutSeconds);
  }

  /** A TCP port free on loopback now (for servers that cannot report the port they bound). */
  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private static List<String> inNamespace(String netns) {
    return netns == null ? List.of() : List.of("nsenter", "--net=/var/run/netns/" + netns);
  }

  Process start(ProcessBuilder pb) throws IOException {
    Process p = pb.start();
    processes.add(p);
    return p;
  }

  @Override
  public void close() throws Exception {
    for (Process p : processes) {
      p.destroyForcibly();
    }
    for (Process p : processes) {
      p.waitFor(10, TimeUnit.SECONDS);
    }
    for (Path m : mounts) {
      unmount(m);
    }
  }
}
