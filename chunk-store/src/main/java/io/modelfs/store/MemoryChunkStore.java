package io.modelfs.store;

import io.modelfs.core.ChunkRef;
import io.modelfs.core.Digest;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link ChunkStore} that keeps chunks in memory, for tests of the modules that use a store and
 * for the simulator. It shares the parts that make the contract with {@link FileChunkStore} — the
 * single-flight, priority-ordered {@link FetchScheduler}, the hashing {@link VerifyingSink}, the
 * {@link ChunkTable} (LRU order, pins) and the {@link Evictor} (budget, listeners) — and replaces
 * only the disk, so it passes the same {@code ChunkStoreContract}. Named pins last as long as the
 * object. Thread-safe; error contract as {@link ChunkStore}'s ({@link #read} after {@link #close}
 * throws {@link IOException}).
 */
public final class MemoryChunkStore implements ChunkStore {
  private static final Logger log = LoggerFactory.getLogger(MemoryChunkStore.class);
  private static final int DEFAULT_FETCH_THREADS = 4;

  private final String name = "in-memory chunk store@" + Integer.toHexString(System.identityHashCode(this));
  private final Clock clock;
  private final long budget;
  private final ChunkTable table = new ChunkTable(false);
  private final Map<Digest, byte[]> data = new ConcurrentHashMap<>();
  private final StoreCounters counters = new StoreCounters();
  private final Evictor evictor;
  private final FetchScheduler scheduler;
  private final Map<String, Set<Digest>> namedPins = new HashMap<>();
  private volatile boolean closed;

  private MemoryChunkStore(int fetchThreads, long budgetBytes, Clock clock) {
    this.clock = clock;
    this.budget = budgetBytes;
    this.evictor = new Evictor(name, table, new Evictor.Backing() {
      @Override
      public void delete(Digest digest) {
        data.remove(digest);
      }

      @Override
      public long freeBytes() {
        return Long.MAX_VALUE;
      }
    }, counters, budgetBytes, 0);
    this.scheduler = new FetchScheduler(name, fetchThreads, this::publish);
  }

  /** A store with {@value #DEFAULT_FETCH_THREADS} fetch threads, no budget and the system clock. */
  public static MemoryChunkStore create() {
    return create(DEFAULT_FETCH_THREADS, StoreConfig.UNLIMITED, Clock.systemUTC());
  }

  /**
   * A store whose loads run on {@code fetchThreads} threads, that keeps at most
   * {@code budgetBytes} of chunks ({@link StoreConfig#UNLIMITED}: no budget) and stamps accesses
   * with {@code clock}.
   */
  public static MemoryChunkStore create(int fetchThreads, long budgetBytes, Clock clock) {
    if (fetchThreads < 1 || budgetBytes < 1) {
      throw new IllegalArgumentException("in-memory chunk store needs at least 1 fetch thread and 1 byte of budget, got "
          + fetchThreads + " and " + budgetBytes);
    }
    return new MemoryChunkStore(fetchThreads, budgetBytes, Objects.requireNonNull(clock, "clock is null"));
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
    if (closed) {
      throw new IOException(name + " is closed; read of chunk " + digest + " refused");
    }
    byte[] bytes = table.contains(digest) ? data.get(digest) : null;
    if (bytes == null) {
      throw new ChunkNotFoundException(digest);
    }
    int n = (int) Math.max(0, Math.min(dst.remaining(), bytes.length - offset));
    dst.put(bytes, (int) Math.min(offset, bytes.length), n);
    table.touch(digest, clock.millis());
    counters.read(n);
    return n;
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
  public synchronized void pin(String pinName, Collection<Digest> digests) {
    Objects.requireNonNull(pinName, "pin name is null");
    Set<Digest> wanted = new LinkedHashSet<>(digests);
    table.pin(wanted);
    Set<Digest> before = namedPins.put(pinName, wanted);
    if (before != null) {
      table.unpin(before);
    }
  }

  @Override
  public synchronized boolean unpin(String pinName) {
    Set<Digest> before = namedPins.remove(pinName);
    if (before == null) {
      return false;
    }
    table.unpin(before);
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
      throw new IllegalArgumentException("gc of " + name + " to negative size " + targetBytes);
    }
    return evictor.evictTo(targetBytes);
  }

  /** Re-hashes the chunks in memory; a corrupt one (see {@link #corrupt}) is dropped and reported. */
  @Override
  public VerifyReport verify(Collection<Digest> digests) {
    Map<Digest, Long> sizes = table.sizes();
    Collection<Digest> wanted = digests.isEmpty() ? sizes.keySet() : digests;
    long checked = 0;
    long bytes = 0;
    List<Digest> corrupt = new ArrayList<>();
    for (Digest digest : wanted) {
      byte[] stored = sizes.containsKey(digest) ? data.get(digest) : null;
      if (stored == null) {
        continue;
      }
      checked++;
      bytes += stored.length;
      MessageDigest sha256 = Digest.newSha256();
      sha256.update(stored);
      if (!Digest.finish(sha256).equals(digest)) {
        corrupt.add(digest);
        counters.verificationFailed();
        if (table.remove(digest) != null) {
          data.remove(digest);
          log.error("{}: chunk {} failed verification; dropped it", name, digest);
          evictor.notifyListeners(digest, stored.length);
        }
      }
    }
    return new VerifyReport(checked, bytes, corrupt);
  }

  /**
   * Flips one bit of a stored chunk, as bit rot would, so tests can exercise {@link #verify};
   * returns false if the chunk is not stored (or is empty). Reads serve the damaged bytes until
   * {@code verify} finds them, as a real disk would.
   */
  public boolean corrupt(Digest digest) {
    byte[] stored = data.get(digest);
    if (stored == null || stored.length == 0) {
      return false;
    }
    stored[stored.length / 2] ^= 1;
    return true;
  }

  @Override
  public StoreStats stats() {
    return counters.snapshot(table.count(), table.bytes(), budget == StoreConfig.UNLIMITED ? 0 : budget);
  }

  @Override
  public void close() {
    closed = true;
    scheduler.close();
  }

  private void publish(ChunkRef chunk, String source, ChunkLoader loader) throws IOException {
    if (table.contains(chunk.digest())) {
      return;
    }
    counters.loadStarted();
    try {
      if (chunk.size() > Integer.MAX_VALUE - 16) {
        throw new IOException(name + ": chunk " + chunk + " from " + source + " is too large to hold in memory");
      }
      evictor.makeRoom(chunk.size());
      ByteBuffer bytes = ByteBuffer.allocate((int) chunk.size());
      VerifyingSink.load(chunk, source, loader, new BufferChannel(bytes));
      data.put(chunk.digest(), bytes.array());
      table.add(chunk.digest(), chunk.size(), clock.millis());
      counters.published(chunk.size());
      evictor.makeRoom(0);
    } catch (ChunkVerificationException e) {
      counters.verificationFailed();
      log.warn(e.getMessage());
      throw e;
    } catch (LoadCancelledException e) {
      log.debug("{}: chunk {} from {}: {}", name, chunk.digest(), source, e.getMessage());
      throw e;
    } catch (IOException | RuntimeException e) {
      counters.loadFailed();
      log.warn("{}: chunk {} from {} failed to load: {}", name, chunk.digest(), source, e.toString());
      throw e;
    }
  }

  /** A channel into a buffer that the sink never lets overflow (it refuses bytes past the chunk's size). */
  private static final class BufferChannel implements WritableByteChannel {
    private final ByteBuffer buffer;

    BufferChannel(ByteBuffer buffer) {
      this.buffer = buffer;
    }

    @Override
    public int write(ByteBuffer src) {
      int n = src.remaining();
      buffer.put(src);
      return n;
    }

    @Override
    public boolean isOpen() {
      return true;
    }

    @Override
    public void close() {
      // nothing to release
    }
  }
}
