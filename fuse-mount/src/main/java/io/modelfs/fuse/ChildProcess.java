package io.modelfs.fuse;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs a short command (fusermount, stat, dd) in a child process with a time limit. The mount's
 * own threads never touch a mount this process serves: a child does it, because a process one of
 * whose threads waits on its own mount cannot exit (see {@link FuseWarmup}).
 */
final class ChildProcess {
  /** What the command did: its exit status and its stdout and stderr together, stripped. */
  record Result(int exit, String output) {}

  private ChildProcess() {}

  /**
   * Runs {@code command} for at most {@code timeout}; throws if it could not start, did not end
   * in time (it is killed), or the wait was interrupted. Meant for commands with little output.
   */
  static Result run(Duration timeout, List<String> command) throws IOException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    try {
      if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new IOException(String.join(" ", command) + " did not finish within " + timeout);
      }
      return new Result(p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while waiting for " + String.join(" ", command), e);
    } finally {
      p.destroyForcibly();
    }
  }
}
