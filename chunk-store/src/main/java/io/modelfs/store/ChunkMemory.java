package io.modelfs.store;

import io.modelfs.core.Digest;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.locks.StampedLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A bounded set of reusable, block-aligned direct buffers that chunks are loaded into: a load
 * fills a {@link Slot} while its staging file is written from it with {@code O_DIRECT}
 * ({@link DirectStagingWriter}); once the chunk is published the slot serves the chunk's reads
 * until the least recently read slot is taken for another load.
 *
 * <p>Why: a cold reader reads each chunk right after it arrived. Written through the page cache,
 * every chunk was copied into freshly allocated page-cache pages by the staging write and copied
 * out again by the reader's {@code pread}, and then cached twice (the store file's pages and the
 * mount's). Loaded here, the store's copy goes to disk without the page cache and the reader
 * copies from memory the store already holds; the page cache keeps only the mount's copy.
 *
 * <p>Memory is bounded by {@code budgetBytes}: buffers are allocated as loads need them (each
 * rounded up to {@value #ROUND_BYTES} bytes) until the budget is reached, then reused, least
 * recently read first. When every buffer is busy loading, or a chunk is larger than the budget,
 * {@link #acquire} returns null and the load goes through the page cache as before.
 *
 * <p>A slot being reused waits for readers copying from it (each holds the slot's read lock for
 * one copy) and then stops answering for its old chunk, so a read never sees another chunk's
 * bytes. Thread-safe.
 */
final class ChunkMemory {
  private static final Logger log = LoggerFactory.getLogger(ChunkMemory.class);
  /** Buffers are allocated in multiples of this, so that chunks of nearby sizes share them. */
  static final int ROUND_BYTES = 1 << 20;

  /** One buffer; {@link #buffer} is its whole (aligned) capacity, position 0. */
  static final class Slot {
    private final StampedLock lock = new StampedLock();
    private final ByteBuffer buffer;
    private volatile Digest owner;
    private long size;
    private boolean dropped;

    private Slot(ByteBuffer buffer) {
      this.buffer = buffer;
    }

    /** The slot's memory, to load a chunk into (position 0, limit capacity). */
    ByteBuffer buffer() {
      return buffer.duplicate().clear();
    }

    int capacity() {
      return buffer.capacity();
    }
  }

  private final String name;
  private final long budgetBytes;
  private final int alignment;
  /** Published slots by chunk, least recently read first. */
  private final LinkedHashMap<Digest, Slot> published = new LinkedHashMap<>(16, 0.75f, true);
  private final ArrayDeque<Slot> free = new ArrayDeque<>();
  private long allocatedBytes;
  private boolean allocationFailed;

  ChunkMemory(String name, long budgetBytes, int alignment) {
    if (Integer.bitCount(alignment) != 1 || alignment > ROUND_BYTES) {
      throw new IllegalArgumentException(name + ": buffer alignment must be a power of two up to " + ROUND_BYTES
          + ", got " + alignment);
    }
    this.name = name;
    this.budgetBytes = budgetBytes;
    this.alignment = alignment;
  }

  /**
   * A slot with room for a chunk of {@code size} bytes rounded up to the alignment, not serving
   * any chunk; null if there is none to be had (every buffer is being loaded into, or the chunk
   * does not fit the budget). The caller {@link #publish}es or {@link #release}s it.
   */
  Slot acquire(long size) {
    long need = roundUp(Math.max(size, 1), ROUND_BYTES);
    if (need > budgetBytes || need > Integer.MAX_VALUE - alignment) {
      return null;
    }
    synchronized (this) {
      for (Iterator<Slot> it = free.iterator(); it.hasNext(); ) {
        Slot slot = it.next();
        if (slot.capacity() >= need) {
          it.remove();
          return slot;
        }
      }
      while (true) {
        if (allocatedBytes + need <= budgetBytes && !allocationFailed) {
          Slot fresh = allocate((int) need);
          if (fresh != null) {
            return fresh;
          }
        }
        // Too small free buffers give way first, then the least recently read published ones.
        Slot victim = free.pollFirst();
        if (victim == null) {
          Iterator<Map.Entry<Digest, Slot>> eldest = published.entrySet().iterator();
          if (!eldest.hasNext()) {
            return null;
          }
          victim = eldest.next().getValue();
          eldest.remove();
          retire(victim);
          if (victim.capacity() >= need) {
            return victim;
          }
        }
        allocatedBytes -= victim.capacity(); // dropped: the GC frees its memory
        if (allocationFailed) {
          allocationFailed = false; // memory was given back; try once more
        }
      }
    }
  }

  /** Makes {@code slot}, holding exactly the verified bytes of chunk {@code digest} ({@code size} of them), serve its reads. */
  void publish(Slot slot, Digest digest, long size) {
    synchronized (this) {
      slot.size = size;
      slot.owner = digest;
      Slot before = published.put(digest, slot);
      if (before != null && before != slot) { // the same chunk loaded twice: keep the newer copy
        retire(before);
        free.addLast(before);
      }
    }
  }

  /** Gives back a slot whose load failed or was not published (a {@link #drop}ped one stays dropped). */
  synchronized void release(Slot slot) {
    if (slot.dropped) {
      return;
    }
    slot.owner = null;
    free.addLast(slot);
  }

  /** Gives up a slot that a failed load's write may still be reading; its memory goes back to the GC. */
  synchronized void drop(Slot slot) {
    slot.owner = null;
    slot.dropped = true;
    allocatedBytes -= slot.capacity();
  }

  /** Stops serving {@code digest} from memory (its file was evicted or quarantined); the buffer is kept for reuse. */
  void forget(Digest digest) {
    synchronized (this) {
      Slot slot = published.remove(digest);
      if (slot != null) {
        retire(slot);
        free.addLast(slot);
      }
    }
  }

  /** True if reads of {@code digest} are served from memory now. */
  synchronized boolean holds(Digest digest) {
    return published.containsKey(digest);
  }

  /**
   * Copies bytes of chunk {@code digest} from {@code offset} into {@code dst}, as many as fit or
   * the chunk has; returns how many, or -1 if the chunk is not in memory (read the file).
   */
  int read(Digest digest, long offset, ByteBuffer dst) {
    Slot slot;
    synchronized (this) {
      slot = published.get(digest);
    }
    if (slot == null) {
      return -1;
    }
    long stamp = slot.lock.tryReadLock();
    if (stamp == 0) {
      return -1; // being reused right now
    }
    try {
      if (!digest.equals(slot.owner)) {
        return -1;
      }
      if (offset >= slot.size) {
        return 0;
      }
      int n = (int) Math.min(dst.remaining(), slot.size - offset);
      dst.put(dst.position(), slot.buffer, (int) offset, n);
      dst.position(dst.position() + n);
      return n;
    } finally {
      slot.lock.unlockRead(stamp);
    }
  }

  /** Bytes of buffers allocated now (at most the budget). */
  synchronized long allocatedBytes() {
    return allocatedBytes;
  }

  /** Waits for the slot's readers, then makes it answer for no chunk. */
  private static void retire(Slot slot) {
    long stamp = slot.lock.writeLock();
    slot.owner = null;
    slot.lock.unlockWrite(stamp);
  }

  private Slot allocate(int bytes) {
    try {
      ByteBuffer buffer = ByteBuffer.allocateDirect(bytes + alignment).alignedSlice(alignment);
      allocatedBytes += bytes;
      return new Slot(buffer.limit(bytes).slice());
    } catch (OutOfMemoryError e) {
      allocationFailed = true;
      log.warn("{}: no direct memory for another {} byte chunk buffer ({} bytes in use, budget {}): {}; loads go"
          + " through the page cache until a buffer frees up (raise -XX:MaxDirectMemorySize or lower --store-memory)",
          name, bytes, allocatedBytes, budgetBytes, e.getMessage());
      return null;
    }
  }

  static long roundUp(long n, long multiple) {
    return (n + multiple - 1) / multiple * multiple;
  }
}
