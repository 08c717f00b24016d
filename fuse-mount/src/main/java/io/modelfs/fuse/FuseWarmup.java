package io.modelfs.fuse;

import io.modelfs.core.Digest;
import io.modelfs.core.FileEntry;
import io.modelfs.core.Manifest;
import io.modelfs.core.ModelRef;
import io.modelfs.core.Trees;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A bounded start-up warm-up of the mount's read path: mounts a throw-away one-file model on a
 * temporary directory and reads it through the kernel, so that the JIT has compiled what every
 * FUSE read runs — the session loop's worker, jnr-fuse's read closure, {@link FuseAdapter},
 * {@link ModelFileSystem}, {@link OpenFile}, {@link Readahead} and a positional
 * {@link FileChannel} read of a chunk file into libfuse's reply memory — before a model loader
 * waits on it. The reads come from a child {@code dd} (see {@link #readThrough}).
 *
 * <p>Why: a fresh agent's warm read (every chunk local, page cache dropped) cost 1.9-2.3 CPU
 * seconds per GiB against 0.8-0.9 once the same agent had read the file three times
 * (docs/BENCHMARKS.md, issue 5): C2 compiles the per-request methods only after some 10^4 calls,
 * and a GiB is 8,192 requests of 128 KiB. A start-up warm-up outside FUSE does not reach these
 * methods. The mount uses {@code direct_io} so every read reaches the callback (no page cache)
 * and reads {@value #READ_BYTES} bytes each: the call count is what the JIT counts, not bytes.
 *
 * <p>Bounded: at most {@code budget} of wall time (mount and unmount included) and
 * {@value #MAX_READS} reads. Never throws: an error (no {@code /dev/fuse}, no libfuse) is logged
 * with its cause and returned; the mount and the directory are removed in every case.
 */
public final class FuseWarmup {
  private static final Logger log = LoggerFactory.getLogger(FuseWarmup.class);

  /** Reads through the kernel at most: past C2's thresholds (~15,000 calls) for the read callback. */
  static final int MAX_READS = 20_000;
  static final int READ_BYTES = 4 << 10;
  static final int CHUNK_BYTES = 1 << 20;
  static final int CHUNKS = 4;
  /** Reads per {@code dd} child; the deadline is looked at between children. */
  static final int BATCH = 256;
  private static final Duration DD_GRACE = Duration.ofSeconds(5);
  static final String FILE = "warmup.bin";
  static final String PREFIX = "modelfs-fuse-warmup-";

  /**
   * What the warm-up did.
   *
   * @param reads reads answered through the mount
   * @param wall wall time taken, mount and unmount included
   * @param error what stopped it early, or null
   */
  public record Report(int reads, Duration wall, String error) {}

  private FuseWarmup() {}

  /**
   * Runs the warm-up for at most {@code budget} in a temporary directory made under
   * {@code tmpParent} (created if missing; removed afterwards when empty). A zero or negative
   * budget does nothing. Logs one line and returns what happened; never throws.
   */
  public static Report run(Path tmpParent, Duration budget, Clock clock) {
    if (budget.isZero() || budget.isNegative()) {
      return new Report(0, Duration.ZERO, null);
    }
    Instant start = clock.instant();
    Instant deadline = start.plus(budget);
    int reads = 0;
    String error = null;
    Path dir = null;
    try {
      Files.createDirectories(tmpParent);
      removeLeftovers(tmpParent.toAbsolutePath().normalize());
      dir = Files.createTempDirectory(tmpParent.toAbsolutePath(), PREFIX);
      MountConfig config = MountConfig.defaults().withAllowOther(false).withKernelReadaheadKb(0)
          .withFormatPrefetch(false).withFsName("modelfs-warmup").withExtraOptions(List.of("direct_io"))
          .withMountTimeout(remaining(deadline, clock));
      try (FileBackedModel model = FileBackedModel.create(dir.resolve("chunk"), clock.millis());
          FuseMount mount = FuseMount.mount(dir.resolve("mnt"),
              ref -> Optional.<ModelContent>of(model).filter(m -> m.ref().equals(ref)), config)) {
        reads = readThrough(mount.mountPoint().resolve(model.ref().toString()).resolve(FILE), deadline, clock);
      }
    } catch (IOException | RuntimeException e) {
      error = e.toString();
    } finally {
      Trees.deleteQuietly(dir, "FUSE read-path warm-up");
      try {
        if (Files.isDirectory(tmpParent, LinkOption.NOFOLLOW_LINKS)) {
          Files.deleteIfExists(tmpParent);
        }
      } catch (IOException e) {
        // not empty (another agent's warm-up), or not ours: leave it
      }
    }
    Duration wall = Duration.between(start, clock.instant());
    if (error == null) {
      log.info("FUSE read-path warm-up: {} reads of {} KiB through a throw-away mount in {} ms (--warmup 0 turns"
          + " this off)", reads, READ_BYTES >> 10, wall.toMillis());
    } else {
      log.warn("FUSE read-path warm-up stopped after {} reads and {} ms: {}; the agent starts anyway (a first read"
          + " may be slower)", reads, wall.toMillis(), error);
    }
    return new Report(reads, wall, error);
  }

  /**
   * Reads the file in {@value #READ_BYTES}-byte pieces, sequentially and round again, until a
   * bound; returns the count. The reader is a child {@code dd}, {@value #BATCH} reads at a time,
   * never a thread of this process: a process whose own thread waits on a request to its own
   * mount cannot exit (the kernel waits for the answer uninterruptibly once the request was read,
   * and the reply channel closes only when every thread has exited), so an agent stopped during
   * its warm-up would hang with its mounts. A child's read fails once this process has gone.
   */
  private static int readThrough(Path file, Instant deadline, Clock clock) throws IOException {
    long blocks = (long) CHUNKS * CHUNK_BYTES / READ_BYTES;
    int reads = 0;
    while (reads < MAX_READS && clock.instant().isBefore(deadline)) {
      int batch = Math.min(BATCH, MAX_READS - reads);
      readWithDd(file, reads % blocks, batch, deadline, clock);
      reads += batch;
    }
    return reads;
  }

  /** Runs {@code dd} for {@code count} reads from block {@code skip}; fails unless all were full reads. */
  private static void readWithDd(Path file, long skip, int count, Instant deadline, Clock clock) throws IOException {
    ChildProcess.Result r = ChildProcess.run(remaining(deadline, clock).plus(DD_GRACE), List.of("dd", "if=" + file,
        "of=/dev/null", "bs=" + READ_BYTES, "count=" + count, "skip=" + skip));
    if (r.exit() != 0 || !r.output().contains(count + "+0 records in")) {
      throw new IOException("dd reading " + file + " at block " + skip + " (exit " + r.exit() + "): "
          + r.output().replace('\n', ' '));
    }
  }

  /**
   * Removes what a warm-up of an agent that died midway left in {@code parent} (its own, per
   * agent): the stale mount first, else deleting would walk into it.
   */
  private static void removeLeftovers(Path parent) throws IOException {
    try (Stream<Path> entries = Files.list(parent)) {
      for (Path old : entries.filter(p -> p.getFileName().toString().startsWith(PREFIX)).toList()) {
        Path mnt = old.resolve("mnt");
        if (MountTable.find(mnt).isPresent()) {
          MountDirectory.unmount(mnt, Duration.ofSeconds(2));
        }
        log.info("FUSE read-path warm-up: removing {}, left by an earlier warm-up", old);
        Trees.deleteQuietly(old, "FUSE read-path warm-up");
      }
    }
  }

  private static Duration remaining(Instant deadline, Clock clock) {
    Duration left = Duration.between(clock.instant(), deadline);
    return left.isNegative() ? Duration.ZERO : left;
  }

  /**
   * A model of one file whose {@value #CHUNKS} chunks are the same random bytes, kept in one
   * file on disk and read with positional {@link FileChannel} reads, as the chunk store does.
   */
  private static final class FileBackedModel implements ModelContent, AutoCloseable {
    private final ModelRef ref;
    private final Manifest manifest;
    private final FileChannel chunk;

    private FileBackedModel(ModelRef ref, Manifest manifest, FileChannel chunk) {
      this.ref = ref;
      this.manifest = manifest;
      this.chunk = chunk;
    }

    static FileBackedModel create(Path chunkFile, long seed) throws IOException {
      byte[] bytes = new byte[CHUNK_BYTES];
      new SplittableRandom(seed).nextBytes(bytes);
      Files.write(chunkFile, bytes);
      Digest digest = Digest.sha256(bytes);
      Manifest manifest = Manifest.of("modelfs-warmup", CHUNK_BYTES,
          List.of(new FileEntry(FILE, (long) CHUNKS * CHUNK_BYTES, 0644, Collections.nCopies(CHUNKS, digest))));
      // Any well-formed ref will do: only this catalog ever sees it.
      ModelRef ref = new ModelRef("modelfs-warmup", digest);
      return new FileBackedModel(ref, manifest, FileChannel.open(chunkFile, StandardOpenOption.READ));
    }

    @Override
    public ModelRef ref() {
      return ref;
    }

    @Override
    public Manifest manifest() {
      return manifest;
    }

    @Override
    public int read(FileEntry file, int chunkIndex, int offset, ByteBuffer dst) throws IOException {
      int copied = 0;
      while (dst.hasRemaining()) {
        int n = chunk.read(dst, offset + copied);
        if (n < 0) {
          break;
        }
        copied += n;
      }
      return copied;
    }

    @Override
    public void prefetch(FileEntry file, int chunkIndex) {
      // Every chunk is local.
    }

    @Override
    public void close() throws IOException {
      chunk.close();
    }
  }
}
