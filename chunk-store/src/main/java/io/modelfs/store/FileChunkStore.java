package io.modelfs.store;

import com.sun.nio.file.ExtendedOpenOption;
import io.modelfs.core.ChunkRef;
import io.modelfs.core.Digest;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link ChunkStore} that keeps one file per published chunk under a root directory (layout
 * in {@link StoreLayout}) and indexes them in RocksDB ({@link RocksChunkIndex}), mirrored in
 * memory ({@link ChunkTable}). Loads run on {@link StoreConfig#fetchThreads()} threads,
 * foreground first ({@link FetchScheduler}); each is staged, verified and renamed into place
 * ({@link ChunkPublisher}); the file is fsynced and indexed afterwards, off the reader's path
 * ({@link BackgroundIndexer}). Reads go straight to the chunk's file through a small cache of open
 * channels ({@link OpenFileCache}), or, while a chunk is still in the memory it was loaded into
 * ({@link ChunkMemory}; its file then bypassed the page cache), to that memory. The
 * {@link Evictor} keeps the budget.
 *
 * <p>One process owns a root at a time (a lock file enforces it). Opening reconciles the index
 * with the files ({@link Reconciler}), so a store killed at any point opens consistent.
 * Access times live in memory and reach the index at close; after a crash the eviction order
 * falls back to the last clean close.
 */
public final class FileChunkStore implements ChunkStore {
  private static final Logger log = LoggerFactory.getLogger(FileChunkStore.class);
  private static final int READ_ATTEMPTS = 3;
  private static final long VERIFY_WAIT_MILLIS = 60_000;

  private final StoreConfig config;
  private final StoreLayout layout;
  private final FileLock lock;
  private final Clock clock;
  private final ChunkIndex index;
  private final ChunkTable table;
  private final StoreCounters counters = new StoreCounters();
  private final OpenFileCache files;
  private final PageCacheWarmer warmer;
  private final Evictor evictor;
  private final FetchScheduler scheduler;
  private final ExecutorService writers;
  private final AccessFlusher flusher;
  private final BackgroundIndexer indexer;
  private final ChunkMemory memory;
  private final Map<String, Set<Digest>> namedPins = new HashMap<>();

  private FileChunkStore(StoreConfig config, StoreLayout layout, FileLock lock, Clock clock, ChunkIndex index,
      ChunkTable table, Map<String, Set<Digest>> pins) throws IOException {
    String name = "chunk store at " + layout.root();
    this.config = config;
    this.layout = layout;
    this.lock = lock;
    this.clock = clock;
    this.index = index;
    this.table = table;
    this.files = new OpenFileCache(name, config.openFiles());
    this.warmer = new PageCacheWarmer(name, this::channel);
    this.evictor = new Evictor(name, table, new FileBacking(layout, index, files), counters, config.budgetBytes(),
        config.minFreeBytes());
    pins.forEach((pin, digests) -> {
      namedPins.put(pin, digests);
      table.pin(digests);
    });
    int blockSize = directIoBlockSize(layout, config.memoryBytes()); // before any thread starts: never throws
    this.writers = Executors.newFixedThreadPool(config.fetchThreads(), daemonThreads("modelfs-stage-write-"));
    this.indexer = new BackgroundIndexer(name, layout, index, config.fsync());
    this.memory = blockSize == 0 ? null : new ChunkMemory(name, config.memoryBytes(), blockSize);
    if (memory != null) {
      evictor.addListener((digest, size) -> memory.forget(digest));
    }
    ChunkPublisher publisher = new ChunkPublisher(layout, counters, table, indexer, evictor, clock, writers, memory,
        blockSize);
    this.scheduler = new FetchScheduler(name, config.fetchThreads(), publisher::publish);
    this.flusher = new AccessFlusher(name, table, index, config.accessFlushInterval(), StoreConfig.ACCESS_FLUSH_BATCH,
        indexer::pending);
  }

  /**
   * The block size to write staging files in with {@code O_DIRECT}, or 0 if loads do not go
   * through memory: none was configured, or the store's filesystem refuses {@code O_DIRECT}
   * (some FUSE and network filesystems, tmpfs before Linux 6.6), found by writing one block of a
   * probe file.
   */
  private static int directIoBlockSize(StoreLayout layout, long memoryBytes) {
    if (memoryBytes == 0) {
      return 0;
    }
    Path probe = null;
    try {
      probe = layout.newProbeFile();
      int block = (int) Math.max(4096, Files.getFileStore(probe).getBlockSize());
      if (block > ChunkMemory.ROUND_BYTES) {
        return 0;
      }
      ByteBuffer one = ByteBuffer.allocateDirect(2 * block).alignedSlice(block).limit(block);
      try (FileChannel file = FileChannel.open(probe, StandardOpenOption.WRITE, ExtendedOpenOption.DIRECT)) {
        file.write(one, 0);
      }
      return block;
    } catch (IOException | UnsupportedOperationException e) {
      log.info("chunk store at {}: cannot write a probe file with O_DIRECT ({}); chunks are loaded through the page"
          + " cache", layout.root(), e.toString());
      return 0;
    } finally {
      if (probe != null) {
        try {
          Files.deleteIfExists(probe);
        } catch (IOException e) {
          log.warn("chunk store at {}: could not delete probe file {} (the next open removes it): {}", layout.root(),
              probe, e.toString());
        }
      }
    }
  }

  private static ThreadFactory daemonThreads(String prefix) {
    AtomicInteger count = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, prefix + count.getAndIncrement());
      t.setDaemon(true);
      return t;
    };
  }

  /** Opens the store with the system clock; see {@link #open(StoreConfig, Clock)}. */
  public static FileChunkStore open(StoreConfig config) throws IOException {
    return open(config, Clock.systemUTC());
  }

  /**
   * Opens the store at {@code config.root()}, creating it if needed, and makes index and files
   * agree ({@link Reconciler}); then evicts down to the budget if the store is over it.
   * Throws if another process has the store open.
   */
  public static FileChunkStore open(StoreConfig config, Clock clock) throws IOException {
    StoreLayout layout = new StoreLayout(config.root());
    FileLock lock = layout.createAndLock();
    ChunkIndex index = null;
    FileChunkStore store = null;
    try {
      index = RocksChunkIndex.open(layout.indexDir(), config.fsync());
      ChunkTable table = new ChunkTable(true, index.estimatedEntries());
      new Reconciler(layout, index, table).run(clock.millis());
      store = new FileChunkStore(config, layout, lock, clock, index, table, index.pins());
      log.info("opened chunk store at {}: {} chunks, {} bytes, budget {} bytes", layout.root(), table.count(),
          table.bytes(), config.budgetBytes());
      store.evictor.makeRoom(0);
      return store;
    } catch (IOException | RuntimeException e) {
      try {
        if (store != null) {
          store.close(); // stops its threads too
        } else {
          if (index != null) {
            index.close();
          }
          lock.channel().close();
        }
      } catch (IOException | RuntimeException closing) {
        e.addSuppressed(closing);
      }
      throw e;
    }
  }

  @Override
  public boolean contains(Digest digest) {
    boolean present = table.contains(digest);
    if (present) {
      counters.hit();
    }
    return present;
  }

  @Override
  public int read(Digest digest, long offset, ByteBuffer dst) throws IOException {
    if (offset < 0) {
      throw new IllegalArgumentException("read of chunk " + digest + " at negative offset " + offset);
    }
    if (memory != null && table.contains(digest)) {
      int n = memory.read(digest, offset, dst);
      if (n >= 0) {
        flusher.touch(digest, clock.millis());
        counters.readFromMemory(n);
        return n;
      }
    }
    FileChannel channel = channel(digest);
    int copied = 0;
    int attempts = 0;
    while (dst.hasRemaining()) {
      int n;
      try {
        n = channel.read(dst, offset + copied);
      } catch (ClosedByInterruptException e) {
        files.invalidate(digest, channel);
        throw e;
      } catch (ClosedChannelException e) {
        // Evicted from the cache, or closed by another reader's interrupt: positional reads are safe to repeat.
        files.invalidate(digest, channel);
        if (++attempts == READ_ATTEMPTS) {
          throw e;
        }
        channel = channel(digest);
        continue;
      }
      if (n < 0) {
        break;
      }
      copied += n;
    }
    flusher.touch(digest, clock.millis());
    counters.read(copied);
    return copied;
  }

  @Override
  public CompletableFuture<Void> ensure(ChunkRef chunk, Priority priority, String source, ChunkLoader loader) {
    return scheduler.ensure(chunk, priority, source, loader, this::contains, counters);
  }

  @Override
  public Pin pin(Collection<Digest> digests) {
    return table.pinUntilClosed(digests);
  }

  @Override
  public synchronized void pin(String name, Collection<Digest> digests) throws IOException {
    Objects.requireNonNull(name, "pin name is null");
    Set<Digest> wanted = new LinkedHashSet<>(digests);
    index.putPin(name, wanted);
    table.pin(wanted);
    Set<Digest> before = namedPins.put(name, wanted);
    if (before != null) {
      table.unpin(before);
    }
    log.info("chunk store at {}: pinned {} chunks as {}", layout.root(), wanted.size(), name);
  }

  @Override
  public synchronized boolean unpin(String name) throws IOException {
    if (!namedPins.containsKey(name)) {
      return false;
    }
    index.removePin(name);
    table.unpin(namedPins.remove(name));
    log.info("chunk store at {}: unpinned {}", layout.root(), name);
    return true;
  }

  @Override
  public synchronized Map<String, Set<Digest>> namedPins() {
    Map<String, Set<Digest>> copy = new HashMap<>();
    namedPins.forEach((k, v) -> copy.put(k, Set.copyOf(v)));
    return copy;
  }

  @Override
  public void addEvictionListener(EvictionListener listener) {
    evictor.addListener(Objects.requireNonNull(listener, "eviction listener is null"));
  }

  @Override
  public List<StoredChunk> list() {
    return table.list();
  }

  @Override
  public GcReport gc(long targetBytes) throws IOException {
    if (targetBytes < 0) {
      throw new IllegalArgumentException("gc of chunk store at " + layout.root() + " to negative size " + targetBytes);
    }
    return evictor.evictTo(targetBytes);
  }

  @Override
  public VerifyReport verify(Collection<Digest> digests) throws IOException {
    try {
      if (!indexer.awaitIdle(VERIFY_WAIT_MILLIS)) {
        log.warn("chunk store at {}: {} published chunks still not indexed after {} ms; verifying anyway", layout.root(),
            indexer.pendingCount(), VERIFY_WAIT_MILLIS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while waiting for chunk store at " + layout.root()
          + " to index its published chunks before verify");
    }
    return new Verifier(layout, table, index, files, evictor, counters, clock).verify(digests);
  }

  @Override
  public StoreStats stats() {
    long budget = config.budgetBytes() == StoreConfig.UNLIMITED ? 0 : config.budgetBytes();
    return counters.snapshot(table.count(), table.bytes(), budget);
  }

  @Override
  public synchronized void close() throws IOException {
    if (!lock.isValid()) {
      return;
    }
    scheduler.close();
    writers.shutdown();
    indexer.close();
    warmer.close();
    files.close();
    flusher.close();
    index.close();
    lock.channel().close();
    log.info("closed chunk store at {}", layout.root());
  }

  @Override
  public void willRead(Digest digest) {
    if (table.contains(digest) && (memory == null || !memory.holds(digest))) {
      warmer.warm(digest);
    }
  }

  /** The memory chunks are loaded into (null: none), so tests can see what it holds. */
  ChunkMemory memory() {
    return memory;
  }

  /** The page-cache warmer, so tests can see what it read. */
  PageCacheWarmer pageCacheWarmer() {
    return warmer;
  }

  /** The indexer of published chunks, so tests (and their child processes) can hold it. */
  BackgroundIndexer indexer() {
    return indexer;
  }

  /** The flusher of access times, so tests (and their child processes) can see its flushes. */
  AccessFlusher accessFlusher() {
    return flusher;
  }

  private FileChannel channel(Digest digest) throws IOException {
    if (!table.contains(digest)) {
      throw new ChunkNotFoundException(digest);
    }
    try {
      return files.get(digest, layout::chunkPath);
    } catch (NoSuchFileException e) {
      // Evicted meanwhile, or deleted behind the store's back: forget it so the next ensure loads it again.
      ChunkTable.Resident gone = table.remove(digest);
      if (gone != null) {
        log.warn("chunk store at {}: file of chunk {} is missing; dropped it", layout.root(), digest);
        evictor.dropped(digest, gone.size);
      }
      throw new ChunkNotFoundException(digest);
    }
  }
}
