package io.modelfs.fuse;

import io.modelfs.core.Digest;
import io.modelfs.core.Durations;
import io.modelfs.core.FileEntry;
import io.modelfs.core.Manifest;
import io.modelfs.core.ModelRef;
import io.modelfs.core.ProcessCpu;
import io.modelfs.core.Trees;
import java.io.Closeable;
import java.io.IOException;
import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A bounded start-up warm-up of the mount's read path: mounts a throw-away one-file model on a
 * temporary directory and reads it through the kernel, so that the JIT has compiled what every
 * FUSE read runs — the session loop's worker, jnr-fuse's read closure, {@link FuseAdapter},
 * {@link ModelFileSystem}, {@link OpenFile}, {@link Readahead} and the model's
 * {@link ModelContent#read} into libfuse's reply memory — before a model loader waits on it. The
 * model is the caller's ({@link Source}: the agent passes one backed by a throw-away chunk store,
 * so its own read path is compiled too, with the type profiles the real mount will see) or a
 * built-in one read with positional {@link FileChannel} reads. The reads come from a child
 * {@code dd} (see {@link #readThrough}).
 *
 * <p>Why: a fresh agent's warm read (every chunk local, page cache dropped) cost 1.9-2.3 CPU
 * seconds per GiB against 0.8-0.9 once the same agent had read the file three times
 * (docs/BENCHMARKS.md, issue 5): C2 compiles the per-request methods only after some 10^4 calls,
 * and a GiB is 8,192 requests of 128 KiB. A start-up warm-up outside FUSE does not reach these
 * methods. The mount uses {@code direct_io} so every read reaches the callback (no page cache);
 * each read is {@value #READ_BYTES} bytes, the request size the kernel sends a loader.
 *
 * <p>Bounded by time, not by a count: at most {@code budget} of wall time, set-up (making the
 * model, mounting) and unmount included — a warm-up must not delay the agent's mount more under
 * load (counting the budget from when the mount is up was tried and dropped: it lengthens the
 * agent's start-up by up to the set-up's time). It stops earlier — to spend no more CPU than the
 * JIT needs — once at least {@value #MIN_READS} reads are done and the JIT compiled nothing during the last batch (a count alone stopped an
 * earlier version before C2 had compiled the path on a quiet machine). {@value #READERS} children
 * read at once, as the kernel's readahead keeps several requests of one reader in flight (and a
 * loaded machine gives two runnable readers more turns than one). Disk: the model's own (a few MiB). Never throws: an error (no {@code /dev/fuse}, no libfuse) is logged with its cause
 * and returned; the mount, the model and the directory are removed in every case.
 */
public final class FuseWarmup {
  private static final Logger log = LoggerFactory.getLogger(FuseWarmup.class);

  /** Reads before the warm-up may stop early: past C2's thresholds (~5,000-15,000 calls) for the read callback. */
  public static final int MIN_READS = 16_384;
  /** The request size: libfuse 2's largest, what a loader's reads become. */
  public static final int READ_BYTES = 128 << 10;
  static final int CHUNK_BYTES = 1 << 20;
  /** The built-in model's file: this many chunks, all the same bytes (one chunk on disk). */
  static final int CHUNKS = 64;
  /** Reads per {@code dd} child; the deadline is looked at between children. */
  static final int BATCH = 256;
  /** {@code dd} children reading at once. */
  static final int READERS = 2;
  private static final Duration DD_GRACE = Duration.ofSeconds(5);
  static final String FILE = "warmup.bin";
  static final String PREFIX = "modelfs-fuse-warmup-";

  /**
   * What the warm-up did.
   *
   * @param reads reads of {@value #READ_BYTES} bytes answered through the mount
   * @param wall wall time taken, mount and unmount included
   * @param cpu the whole process's CPU time meanwhile (all threads, the JIT's included; not the
   *     {@code dd} children's); {@link Duration#ZERO} where the runtime does not report it
   * @param error what stopped it early, or null
   */
  public record Report(int reads, Duration wall, Duration cpu, String error) {}

  /**
   * A throw-away model of one file for the warm-up to mount: its content, and the listener its
   * callbacks are reported to. Closed (after the unmount) by the warm-up.
   */
  public interface Model extends Closeable {
    ModelContent content();

    /** Where the throw-away mount reports callbacks: the same kind of listener as the real mount's. */
    default FuseListener listener() {
      return FuseListener.NONE;
    }
  }

  /** Makes the warm-up's model in {@code scratch}, an empty directory the warm-up removes afterwards. */
  @FunctionalInterface
  public interface Source {
    Model open(Path scratch, long seed) throws IOException;
  }

  private FuseWarmup() {}

  /** As below, with a built-in model: one file read with positional {@link FileChannel} reads. */
  public static Report run(Path tmpParent, Duration budget, Clock clock) {
    return run(tmpParent, budget, clock, FileBackedModel::create);
  }

  /**
   * Runs the warm-up for at most {@code budget} in a temporary directory made under
   * {@code tmpParent} (created if missing; removed afterwards when empty), reading the first
   * file of the model {@code source} makes (which must be at least {@value #READ_BYTES} bytes).
   * A zero or negative budget does nothing. Logs one line and returns what happened; never
   * throws (an error of {@code source} is reported like any other).
   */
  public static Report run(Path tmpParent, Duration budget, Clock clock, Source source) {
    if (budget.isZero() || budget.isNegative()) {
      return new Report(0, Duration.ZERO, Duration.ZERO, null);
    }
    Instant start = clock.instant();
    long cpu0 = ProcessCpu.nanos();
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
          .withMountTimeout(Durations.until(deadline, clock));
      Path scratch = Files.createDirectory(dir.resolve("model"));
      try (Model model = source.open(scratch, clock.millis())) {
        ModelContent content = model.content();
        FileEntry file = content.manifest().files().get(0);
        try (FuseMount mount = FuseMount.mount(dir.resolve("mnt"),
            ref -> Optional.of(content).filter(m -> m.ref().equals(ref)), config, model.listener())) {
          reads = readThrough(mount.mountPoint().resolve(content.ref().toString()).resolve(file.path()),
              file.size() / READ_BYTES, deadline, clock);
        }
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
    long cpu1 = ProcessCpu.nanos();
    Duration cpu = cpu0 < 0 || cpu1 < 0 ? Duration.ZERO : Duration.ofNanos(cpu1 - cpu0);
    if (error == null) {
      log.info("FUSE read-path warm-up: {} reads of {} KiB through a throw-away mount in {} ms wall, {} ms CPU"
          + " (--warmup 0 turns this off)", reads, READ_BYTES >> 10, wall.toMillis(), cpu.toMillis());
    } else {
      log.warn("FUSE read-path warm-up stopped after {} reads and {} ms: {}; the agent starts anyway (a first read"
          + " may be slower)", reads, wall.toMillis(), error);
    }
    return new Report(reads, wall, cpu, error);
  }

  /**
   * Reads the file's first {@code blocks} pieces of {@value #READ_BYTES} bytes, sequentially and
   * round again, until the deadline or, past {@value #MIN_READS} reads, until a batch during which
   * the JIT compiled nothing; returns the count. The readers are {@value #READERS} child
   * {@code dd}s at a time, up to {@value #BATCH} reads each; a thread of this process waits for
   * each child, and none ever reads the mount itself: a process whose own thread waits on a request to its own
   * mount cannot exit (the kernel waits for the answer uninterruptibly once the request was read,
   * and the reply channel closes only when every thread has exited), so an agent stopped during
   * its warm-up would hang with its mounts. A child's read fails once this process has gone.
   */
  private static int readThrough(Path file, long blocks, Instant deadline, Clock clock) throws IOException {
    if (blocks < 1) {
      throw new IOException("warm-up file " + file + " is shorter than one read of " + READ_BYTES + " bytes");
    }
    CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
    boolean jitTimed = jit != null && jit.isCompilationTimeMonitoringSupported();
    long compiled = jitTimed ? jit.getTotalCompilationTime() : 0;
    int reads = 0;
    ExecutorService readers = Executors.newFixedThreadPool(READERS, r -> {
      Thread t = new Thread(r, "fuse-warmup-dd");
      t.setDaemon(true);
      return t;
    });
    try {
      while (clock.instant().isBefore(deadline)) {
        List<Future<Integer>> batch = new ArrayList<>(READERS);
        for (int i = 0; i < READERS; i++) {
          long skip = ((long) reads + (long) i * BATCH) % blocks;
          int count = (int) Math.min(BATCH, blocks - skip);
          batch.add(readers.submit(() -> {
            readWithDd(file, skip, count, deadline, clock);
            return count;
          }));
        }
        for (Future<Integer> f : batch) {
          reads += done(f);
        }
        long now = jitTimed ? jit.getTotalCompilationTime() : compiled;
        if (reads >= MIN_READS && now == compiled) {
          break; // the JIT is done with what these reads run (without its timing: after MIN_READS)
        }
        compiled = now;
      }
    } finally {
      readers.shutdownNow(); // a child still running is killed by its own time limit
    }
    return reads;
  }

  /** The reads {@code f} did; its failure as an IOException. */
  private static int done(Future<Integer> f) throws IOException {
    try {
      return f.get();
    } catch (ExecutionException e) {
      throw e.getCause() instanceof IOException io ? io : new IOException("warm-up reader failed: " + e.getCause(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while waiting for the warm-up's readers", e);
    }
  }

  /** Runs {@code dd} for {@code count} reads from block {@code skip}; fails unless all were full reads. */
  private static void readWithDd(Path file, long skip, int count, Instant deadline, Clock clock) throws IOException {
    ChildProcess.Result r = ChildProcess.run(Durations.until(deadline, clock).plus(DD_GRACE), List.of("dd", "if=" + file,
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

  /**
   * A model of one file whose {@value #CHUNKS} chunks are the same random bytes, kept in one
   * file on disk and read with positional {@link FileChannel} reads, as the chunk store does.
   */
  private static final class FileBackedModel implements ModelContent, Model {
    private final ModelRef ref;
    private final Manifest manifest;
    private final FileChannel chunk;

    private FileBackedModel(ModelRef ref, Manifest manifest, FileChannel chunk) {
      this.ref = ref;
      this.manifest = manifest;
      this.chunk = chunk;
    }

    static FileBackedModel create(Path scratch, long seed) throws IOException {
      Path chunkFile = scratch.resolve("chunk");
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
    public ModelContent content() {
      return this;
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
