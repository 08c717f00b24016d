package io.modelfs.fuse;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Getting a directory ready to be mounted on, and unmounting it. A crashed agent leaves its
 * FUSE mount behind ("Transport endpoint is not connected"); the next agent detaches it rather
 * than failing. A live mount or a directory with files in it is refused: mounting would hide
 * what is there.
 */
final class MountDirectory {
  private static final Logger log = LoggerFactory.getLogger(MountDirectory.class);
  private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(10);
  private static final Duration STAT_TIMEOUT = Duration.ofSeconds(2);
  private static final long POLL_MILLIS = 10;

  private MountDirectory() {}

  /** Makes {@code dir} (absolute, normalized) an empty directory that nothing is mounted on. */
  static void prepare(Path dir) throws IOException {
    Optional<MountTable.Mount> mount = MountTable.find(dir);
    if (mount.isPresent()) {
      MountTable.Mount m = mount.get();
      String why = m.isFuse() ? unreachable(dir) : null;
      if (why == null) {
        throw new IOException(dir + " is already a live mount (" + m.fsType() + " from " + m.source()
            + "); unmount it or choose another directory");
      }
      log.warn("Detaching stale FUSE mount at {} ({} from {}), left by a process that died: {}", dir, m.fsType(), m.source(), why);
      unmount(dir, COMMAND_TIMEOUT);
    }
    Files.createDirectories(dir);
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
      if (entries.iterator().hasNext()) {
        throw new IOException(dir + " is not empty; mounting on it would hide its contents");
      }
    }
  }

  /**
   * Detaches the mount at {@code dir} ({@code fusermount -u -z}, else {@code umount -l}) and
   * waits up to {@code timeout} until the kernel no longer lists it. Lazy: files still open
   * keep working until closed.
   */
  static void unmount(Path dir, Duration timeout) throws IOException {
    String fusermount = run(List.of("fusermount", "-u", "-z", dir.toString()));
    if (awaitUnmounted(dir, timeout)) {
      return;
    }
    String umount = run(List.of("umount", "-l", dir.toString()));
    if (!awaitUnmounted(dir, timeout)) {
      throw new IOException("could not unmount " + dir + " within " + timeout + ": fusermount said '" + fusermount
          + "', umount said '" + umount + "'");
    }
  }

  /** Waits until the kernel lists {@code dir} as unmounted; false on timeout. */
  static boolean awaitUnmounted(Path dir, Duration timeout) throws IOException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (MountTable.find(dir).isPresent()) {
      if (System.nanoTime() > deadline) {
        return false;
      }
      sleep(POLL_MILLIS);
    }
    return true;
  }

  static void sleep(long millis) throws IOException {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }

  /**
   * Why a FUSE mount at {@code dir} cannot be used (a dead server), or null if it answers.
   * The check runs on its own daemon thread: a hung server would block it for good.
   */
  private static String unreachable(Path dir) throws IOException {
    CompletableFuture<String> stat = new CompletableFuture<>();
    Thread t = new Thread(() -> {
      // A listing, not a stat: the kernel answers a stat of the root from its attribute
      // cache (long attr_timeout) even after the server died, but a listing asks the server.
      try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
        entries.iterator().hasNext();
        stat.complete(null);
      } catch (IOException e) {
        stat.complete(e.getMessage());
      }
    }, "modelfs-stat " + dir);
    t.setDaemon(true);
    t.start();
    try {
      return stat.get(STAT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw new IOException(dir + " is a FUSE mount whose server does not answer a stat within " + STAT_TIMEOUT
          + "; unmount it by hand (fusermount -u -z " + dir + ")");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while checking the mount at " + dir, e);
    } catch (ExecutionException e) {
      throw new IOException("checking the mount at " + dir + " failed", e.getCause());
    }
  }

  /** Runs {@code command}; returns its exit status and output, for error messages. */
  private static String run(List<String> command) {
    try {
      ChildProcess.Result r = ChildProcess.run(COMMAND_TIMEOUT, command);
      return "exit " + r.exit() + (r.output().isEmpty() ? "" : ": " + r.output());
    } catch (IOException e) {
      return e.getMessage();
    }
  }
}
