package io.modelfs.agent;

import io.modelfs.agent.http.HealthCheck;
import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Readiness of the mount: the directory is a live modelfs FUSE mount and answers a stat within
 * {@link #TIMEOUT_MILLIS}. The stat runs on a thread of its own so that a hung mount makes the
 * probe say so instead of hanging it.
 */
final class MountCheck implements HealthCheck {
  static final long TIMEOUT_MILLIS = 2000;

  private final Path mount;
  private final ExecutorService prober = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "mount-probe");
    t.setDaemon(true);
    return t;
  });

  MountCheck(Path mount) {
    this.mount = mount.toAbsolutePath().normalize();
  }

  @Override
  public Result check() {
    CompletableFuture<Result> probe = CompletableFuture.supplyAsync(this::probe, prober);
    try {
      return probe.get(TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      return Result.down("mount " + mount + " did not answer a stat within " + TIMEOUT_MILLIS + " ms");
    } catch (ExecutionException e) {
      return Result.down("probing mount " + mount + " failed: " + e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Result.down("interrupted while probing mount " + mount);
    }
  }

  private Result probe() {
    try {
      FileStore fs = Files.getFileStore(mount);
      if (!fs.type().startsWith("fuse")) {
        return Result.down(mount + " is not mounted (filesystem type " + fs.type() + ")");
      }
      Files.readAttributes(mount, java.nio.file.attribute.BasicFileAttributes.class);
      return Result.up("serving " + mount);
    } catch (IOException e) {
      return Result.down("mount " + mount + " does not answer: " + e.getMessage());
    }
  }

  /**
   * Stops probing and waits (at most {@link #TIMEOUT_MILLIS}) for a probe in flight: the probe
   * stats this process's own mount, and a process whose thread still waits on its own mount when
   * the mount stops serving cannot exit (the agent closes this before it unmounts).
   */
  void close() {
    prober.shutdownNow();
    try {
      prober.awaitTermination(TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
