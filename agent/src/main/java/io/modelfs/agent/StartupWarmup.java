package io.modelfs.agent;

import io.modelfs.core.ChunkRef;
import io.modelfs.core.Digest;
import io.modelfs.store.ChunkStore;
import io.modelfs.store.FileChunkStore;
import io.modelfs.store.StoreConfig;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A bounded start-up warm-up: before the mount is served, runs the hot paths of a cold read on a
 * throw-away chunk store in a temporary directory — SHA-256 over chunk-sized buffers, the store's
 * load (hash while the bytes are written to the staging file, publish) and its read path in
 * FUSE-sized (128 KiB) pieces — so that the JIT has compiled them (C2, with the SHA-256
 * intrinsic) before a model loader is waiting on them.
 *
 * <p>Why: an agent that starts cold spent about a third of its CPU on a first 512 MiB read in the
 * JIT compiler and the interpreter (docs/BENCHMARKS.md, issue 5), on a 2-core node that also runs
 * the origin. A DaemonSet agent starts long before models are read, so moving that work to start
 * up costs the reader nothing.
 *
 * <p>Bounded: stops at {@code budget} of wall time or {@value #MAX_CHUNKS} chunks of
 * {@value #CHUNK_BYTES} bytes, whichever comes first. Never fails the agent: any error is logged
 * with its cause and the agent starts anyway; the temporary directory is removed in every case.
 */
public final class StartupWarmup {
  private static final Logger log = LoggerFactory.getLogger(StartupWarmup.class);

  /** The default time bound. */
  public static final Duration DEFAULT_BUDGET = Duration.ofSeconds(3);
  static final int CHUNK_BYTES = 1 << 20;
  static final int MAX_CHUNKS = 128;
  /** The most the throw-away store keeps on disk at once. */
  static final long DISK_BYTES = 32L << 20;
  private static final int FUSE_READ_BYTES = 128 << 10;
  private static final int LOADER_WRITE_BYTES = 256 << 10;

  /**
   * What the warm-up did.
   *
   * @param chunks chunks hashed, stored and read back
   * @param bytes their bytes
   * @param wall wall time taken
   * @param cpu the whole process's CPU time during the warm-up (all threads, the JIT's included);
   *     {@link Duration#ZERO} where the runtime does not report it
   * @param lastShaMbPerSecond SHA-256 throughput of the last chunk hashed, MB/s (what the JIT
   *     reached)
   * @param error the error that stopped it early, or null
   */
  public record Report(int chunks, long bytes, Duration wall, Duration cpu, double lastShaMbPerSecond, String error) {}

  private StartupWarmup() {}

  /**
   * Runs the warm-up for at most {@code budget} in a temporary directory under {@code tmpParent}
   * (both created here and removed, {@code tmpParent} when it is empty). A zero or negative
   * budget does nothing. Logs one line with what it measured and returns it; never throws.
   */
  public static Report run(Path tmpParent, Duration budget, Clock clock) {
    if (budget.isZero() || budget.isNegative()) {
      return new Report(0, 0, Duration.ZERO, Duration.ZERO, 0, null);
    }
    Instant start = clock.instant();
    long cpu0 = processCpuNanos();
    Path dir = null;
    int chunks = 0;
    double lastMbps = 0;
    String error = null;
    try {
      Files.createDirectories(tmpParent);
      dir = Files.createTempDirectory(tmpParent, "modelfs-warmup-");
      // No fsync: nothing here is kept. Two fetch threads: the JIT needs the path hot, not parallel.
      StoreConfig config = new StoreConfig(dir, 2, false, 16, StoreConfig.UNLIMITED, 0,
          StoreConfig.DEFAULT_ACCESS_FLUSH_INTERVAL);
      byte[] data = new byte[CHUNK_BYTES];
      new SplittableRandom(start.toEpochMilli()).nextBytes(data);
      ByteBuffer dst = ByteBuffer.allocateDirect(FUSE_READ_BYTES);
      Instant deadline = start.plus(budget);
      try (ChunkStore store = FileChunkStore.open(config)) {
        while (chunks < MAX_CHUNKS && clock.instant().isBefore(deadline)) {
          ByteBuffer.wrap(data).putInt(chunks);  // a distinct chunk each round
          long t0 = System.nanoTime();
          Digest digest = Digest.sha256(data);
          lastMbps = CHUNK_BYTES / 1e6 / Math.max(1e-9, (System.nanoTime() - t0) / 1e9);
          store.ensure(new ChunkRef(digest, CHUNK_BYTES), ChunkStore.Priority.FOREGROUND, "start-up warm-up",
              (chunk, sink) -> {
                for (int off = 0; off < CHUNK_BYTES; off += LOADER_WRITE_BYTES) {
                  ByteBuffer piece = ByteBuffer.wrap(data, off, LOADER_WRITE_BYTES);
                  while (piece.hasRemaining()) {
                    sink.write(piece);
                  }
                }
              }).get(remaining(deadline, clock) + 1_000, TimeUnit.MILLISECONDS);
          readBack(store, digest, dst);
          chunks++;
          if ((long) chunks * CHUNK_BYTES % DISK_BYTES == 0) {
            store.gc(0); // so the warm-up never holds more than DISK_BYTES on the store's disk
          }
        }
      }
    } catch (IOException | RuntimeException | ExecutionException | TimeoutException e) {
      error = e.getClass().getSimpleName() + ": " + e.getMessage();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      error = "interrupted";
    } finally {
      deleteQuietly(dir);
      try {
        Files.deleteIfExists(tmpParent); // only when empty: another agent's warm-up may be using it
      } catch (IOException e) {
        // not empty, or not ours to remove: leave it
      }
    }
    Duration wall = Duration.between(start, clock.instant());
    long cpu1 = processCpuNanos();
    Duration cpu = cpu0 < 0 || cpu1 < 0 ? Duration.ZERO : Duration.ofNanos(cpu1 - cpu0);
    Report report = new Report(chunks, (long) chunks * CHUNK_BYTES, wall, cpu, lastMbps, error);
    if (error == null) {
      log.info("start-up warm-up: {} chunks of {} KiB hashed, stored and read back in {} ms wall, {} ms CPU"
          + " (all threads); SHA-256 reached {} MB/s (--warmup 0 turns this off)", chunks, CHUNK_BYTES >> 10,
          wall.toMillis(), cpu.toMillis(), Math.round(lastMbps));
    } else {
      log.warn("start-up warm-up stopped after {} chunks and {} ms: {}; the agent starts anyway (a first read"
          + " may be slower)", chunks, wall.toMillis(), error);
    }
    return report;
  }

  private static void readBack(ChunkStore store, Digest digest, ByteBuffer dst) throws IOException {
    long offset = 0;
    while (offset < CHUNK_BYTES) {
      dst.clear();
      int n = store.read(digest, offset, dst);
      if (n <= 0) {
        throw new IOException("warm-up chunk " + digest.shortHex() + " read back only " + offset + " of "
            + CHUNK_BYTES + " bytes");
      }
      offset += n;
    }
  }

  private static long remaining(Instant deadline, Clock clock) {
    return Math.max(0, Duration.between(clock.instant(), deadline).toMillis());
  }

  private static long processCpuNanos() {
    if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
      return os.getProcessCpuTime();
    }
    return -1;
  }

  private static void deleteQuietly(Path dir) {
    if (dir == null) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> {
        try {
          Files.deleteIfExists(p);
        } catch (IOException e) {
          log.warn("start-up warm-up: cannot remove {}: {}", p, e.getMessage());
        }
      });
    } catch (IOException e) {
      log.warn("start-up warm-up: cannot remove {}: {}", dir, e.getMessage());
    }
  }
}
