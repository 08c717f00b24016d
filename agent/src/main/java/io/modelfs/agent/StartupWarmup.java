package io.modelfs.agent;

import io.modelfs.core.ChunkRef;
import io.modelfs.core.Digest;
import io.modelfs.core.Durations;
import io.modelfs.core.ProcessCpu;
import io.modelfs.core.Trees;
import io.modelfs.store.ChunkStore;
import io.modelfs.store.FileChunkStore;
import io.modelfs.store.StoreConfig;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A bounded start-up warm-up: before the mount is served, runs the hot paths of a cold read on a
 * throw-away chunk store in a temporary directory — SHA-256 over chunk-sized buffers, an S3
 * origin's ranged GETs (the AWS SDK and its HTTP client, against a {@link LoopbackObjectServer},
 * see {@link WarmupOrigin}), the store's load (hash while the bytes are written to the staging
 * file, publish) and its read path in FUSE-sized (128 KiB) pieces — so that the JIT has compiled
 * them (C2, with the SHA-256 intrinsic) before a model loader is waiting on them.
 *
 * <p>Why: an agent that starts cold spent about a third of its CPU on a first 512 MiB read in the
 * JIT compiler and the interpreter (docs/BENCHMARKS.md, issue 5), on a 2-core node that also runs
 * the origin. A DaemonSet agent starts long before models are read, so moving that work to start
 * up costs the reader nothing.
 *
 * <p>Bounded: stops at {@code budget} of wall time or {@value #MAX_CHUNKS} chunks of
 * {@value #CHUNK_BYTES} bytes, whichever comes first. The budget counts from when the throw-away
 * store and origin are open: opening them (RocksDB's native library, the S3 SDK's classes and its
 * first request) is
 * start-up work the agent does anyway, and at a high load it alone used to take the whole budget,
 * so that no chunk was warmed at all. Never fails the agent: any error is logged
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
  /** How long past the budget one chunk's round may take (its first, interpreted, at a high load: seconds). */
  private static final long ROUND_GRACE_MS = 5_000;
  /** Chunk {@code i} is the object's bytes from {@code i * STEP}: every chunk differs, one object serves all. */
  private static final int STEP = 4 << 10;

  /**
   * What the warm-up did.
   *
   * @param chunks chunks hashed, loaded through the origin, stored and read back
   * @param bytes their bytes
   * @param throughS3 whether the chunks came through an S3 origin (else straight from memory, when
   *     the loopback origin could not be set up)
   * @param setup wall time spent opening the throw-away store and origin (outside the budget)
   * @param wall wall time taken, set-up included
   * @param cpu the whole process's CPU time during the warm-up (all threads, the JIT's included);
   *     {@link Duration#ZERO} where the runtime does not report it
   * @param lastShaMbPerSecond SHA-256 throughput of the last chunk hashed, MB/s (what the JIT
   *     reached)
   * @param error the error that stopped it early, or null
   */
  public record Report(int chunks, long bytes, boolean throughS3, Duration setup, Duration wall, Duration cpu,
      double lastShaMbPerSecond, String error) {}

  private StartupWarmup() {}

  /**
   * Runs the warm-up for at most {@code budget} in a temporary directory under {@code tmpParent}
   * (both created here and removed, {@code tmpParent} when it is empty). A zero or negative
   * budget does nothing. Logs one line with what it measured and returns it; never throws.
   */
  public static Report run(Path tmpParent, Duration budget, Clock clock) {
    if (budget.isZero() || budget.isNegative()) {
      return new Report(0, 0, false, Duration.ZERO, Duration.ZERO, Duration.ZERO, 0, null);
    }
    Instant start = clock.instant();
    long cpu0 = ProcessCpu.nanos();
    Path dir = null;
    int chunks = 0;
    double lastMbps = 0;
    boolean throughS3 = false;
    Duration setup = Duration.ZERO;
    String via = "nothing";
    String error = null;
    try {
      Files.createDirectories(tmpParent);
      dir = Files.createTempDirectory(tmpParent, "modelfs-warmup-");
      StoreConfig config = throwAwayStore(dir);
      byte[] object = new byte[CHUNK_BYTES + MAX_CHUNKS * STEP];
      new SplittableRandom(start.toEpochMilli()).nextBytes(object);
      ByteBuffer dst = ByteBuffer.allocateDirect(FUSE_READ_BYTES);
      try (ChunkStore store = FileChunkStore.open(config); WarmupOrigin origin = WarmupOrigin.open(dir, object)) {
        throughS3 = origin.throughS3();
        via = origin.via();
        setup = Duration.between(start, clock.instant());
        Instant deadline = clock.instant().plus(budget);
        while (chunks < MAX_CHUNKS && clock.instant().isBefore(deadline)) {
          int from = chunks * STEP;
          long t0 = System.nanoTime();
          Digest digest = Digest.sha256(ByteBuffer.wrap(object, from, CHUNK_BYTES));
          lastMbps = CHUNK_BYTES / 1e6 / Math.max(1e-9, (System.nanoTime() - t0) / 1e9);
          store.ensure(new ChunkRef(digest, CHUNK_BYTES), ChunkStore.Priority.FOREGROUND, "start-up warm-up",
              origin.loader(from, CHUNK_BYTES)).get(Durations.until(deadline, clock).toMillis() + ROUND_GRACE_MS, TimeUnit.MILLISECONDS);
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
      Trees.deleteQuietly(dir, "start-up warm-up");
      try {
        Files.deleteIfExists(tmpParent); // only when empty: another agent's warm-up may be using it
      } catch (IOException e) {
        // not empty, or not ours to remove: leave it
      }
    }
    Duration wall = Duration.between(start, clock.instant());
    long cpu1 = ProcessCpu.nanos();
    Duration cpu = cpu0 < 0 || cpu1 < 0 ? Duration.ZERO : Duration.ofNanos(cpu1 - cpu0);
    Report report = new Report(chunks, (long) chunks * CHUNK_BYTES, throughS3, setup, wall, cpu, lastMbps, error);
    if (error == null) {
      log.info("start-up warm-up: {} chunks of {} KiB hashed, loaded through {}, stored and read back in {} ms wall"
          + " ({} ms of it opening the throw-away store and origin), {} ms CPU (all threads); SHA-256 reached {} MB/s"
          + " (--warmup 0 turns this off)", chunks, CHUNK_BYTES >> 10, via, wall.toMillis(), setup.toMillis(),
          cpu.toMillis(), Math.round(lastMbps));
    } else {
      log.warn("start-up warm-up stopped after {} chunks and {} ms: {}; the agent starts anyway (a first read"
          + " may be slower)", chunks, wall.toMillis(), error);
    }
    return report;
  }

  /**
   * The store every start-up warm-up uses: nothing in it is kept, so no fsync and no free-space
   * floor; two fetch threads, since the JIT needs the path hot, not parallel.
   */
  static StoreConfig throwAwayStore(Path root) {
    return StoreConfig.at(root).withFetchThreads(2).withFsync(false).withOpenFiles(16).withMinFreeBytes(0)
        .withMemoryBytes(8L << 20); // a few chunk buffers: the cold read's load path, not the default 128 MiB
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
}
