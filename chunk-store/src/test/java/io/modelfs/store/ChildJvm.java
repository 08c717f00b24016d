package io.modelfs.store;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Starts a test's child JVM on the test class path and waits for the lines it prints. Every wait is bounded. */
final class ChildJvm {
  private ChildJvm() {}

  /** Starts {@code main} with {@code args}; stderr is merged into stdout. */
  static Process start(Class<?> main, String... args) throws IOException {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    List<String> command = new ArrayList<>(List.of(java.toString(), "-Xmx256m", "-XX:TieredStopAtLevel=1",
        "-XX:+UseSerialGC", "-Xshare:auto", "-cp", System.getProperty("java.class.path"), main.getName()));
    command.addAll(List.of(args));
    return new ProcessBuilder(command).redirectErrorStream(true).start();
  }

  /**
   * Waits up to {@code seconds} for the child to print {@code expected} on a line of its own;
   * its output after that is drained by a daemon thread. Fails with what the child printed.
   */
  static void awaitLine(Process child, String expected, long seconds) throws IOException {
    BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    List<String> seen = new ArrayList<>();
    while (System.nanoTime() < deadline) {
      String line = out.readLine();
      if (line == null) {
        throw new AssertionError("child exited before it printed '" + expected + "': " + seen);
      }
      if (line.equals(expected)) {
        Thread drain = new Thread(() -> {
          try {
            while (out.readLine() != null) {
              // discard
            }
          } catch (IOException ignored) {
            // the child died
          }
        });
        drain.setDaemon(true);
        drain.start();
        return;
      }
      seen.add(line);
    }
    throw new AssertionError("child did not print '" + expected + "' within " + seconds + " s: " + seen);
  }

  /** SIGKILLs the child (on Linux) and waits for it to be gone. */
  static void kill(Process child, long seconds) throws InterruptedException {
    child.destroyForcibly();
    if (!child.waitFor(seconds, TimeUnit.SECONDS)) {
      throw new AssertionError("child " + child.pid() + " did not die within " + seconds + " s of SIGKILL");
    }
  }
}
