package io.modelfs.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.modelfs.core.Digest;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ChunkMemoryTest {
  private static final int MIB = 1 << 20;

  /** A chunk of {@code size} bytes all equal to {@code fill}, loaded into {@code slot} and published there. */
  private static Digest load(ChunkMemory memory, ChunkMemory.Slot slot, int size, byte fill) {
    byte[] bytes = new byte[size];
    Arrays.fill(bytes, fill);
    slot.buffer().put(bytes);
    Digest digest = Digest.sha256(bytes);
    memory.publish(slot, digest, size);
    return digest;
  }

  private static byte[] read(ChunkMemory memory, Digest digest, long offset, int length) {
    ByteBuffer dst = ByteBuffer.allocateDirect(length);
    int n = memory.read(digest, offset, dst);
    if (n < 0) {
      return null;
    }
    byte[] out = new byte[n];
    dst.flip().get(out);
    return out;
  }

  @Test
  void aPublishedChunkIsReadBackFromAnyOffsetAndOthersAreNotThere() {
    ChunkMemory memory = new ChunkMemory("test", 4 * MIB, 4096);
    ChunkMemory.Slot slot = memory.acquire(MIB + 3);
    assertNotNull(slot);
    assertEquals(0, slot.buffer().capacity() % MIB, "rounded up to whole MiB");
    assertTrue(slot.buffer().capacity() >= MIB + 3);
    Digest digest = load(memory, slot, MIB + 3, (byte) 7);

    byte[] tail = read(memory, digest, MIB, 100);
    assertEquals(3, tail.length, "a read stops at the chunk's end, not the buffer's");
    assertArrayEquals(new byte[] {7, 7, 7}, tail);
    assertEquals(0, read(memory, digest, MIB + 3, 10).length);
    assertNull(read(memory, Digest.sha256(new byte[] {1}), 0, 10), "a chunk never loaded here is -1");
    assertTrue(memory.holds(digest));
  }

  @Test
  void theBudgetBoundsTheBuffersAndTheLeastRecentlyReadChunkGivesWay() {
    ChunkMemory memory = new ChunkMemory("test", 2 * MIB, 4096);
    Digest a = load(memory, memory.acquire(MIB), MIB, (byte) 1);
    Digest b = load(memory, memory.acquire(MIB), MIB, (byte) 2);
    assertEquals(2 * MIB, memory.allocatedBytes());
    read(memory, a, 0, 1); // b is now the least recently read

    ChunkMemory.Slot third = memory.acquire(MIB);
    assertNotNull(third);
    assertEquals(2 * MIB, memory.allocatedBytes(), "reused, not allocated");
    assertNull(read(memory, b, 0, 1), "b's buffer was taken");
    assertFalse(memory.holds(b));
    assertArrayEquals(new byte[] {1}, read(memory, a, 0, 1));

    ChunkMemory.Slot fourth = memory.acquire(MIB);
    assertNotNull(fourth, "a's buffer goes too");
    assertNull(memory.acquire(MIB), "both buffers are being loaded into: none to be had");
    assertNull(memory.acquire(3 * MIB), "larger than the whole budget");
    memory.release(third);
    assertSame(third, memory.acquire(MIB), "a released buffer is reused");
  }

  @Test
  void aLargerChunkReplacesSmallerBuffersWithinTheBudget() {
    ChunkMemory memory = new ChunkMemory("test", 3 * MIB, 4096);
    Digest small = load(memory, memory.acquire(MIB), MIB, (byte) 1);
    memory.release(memory.acquire(MIB));
    ChunkMemory.Slot big = memory.acquire(2 * MIB + 1);
    assertNotNull(big);
    assertEquals(3 * MIB, big.buffer().capacity());
    assertEquals(3 * MIB, memory.allocatedBytes(), "the two small buffers were dropped for it");
    assertNull(read(memory, small, 0, 1));
  }

  @Test
  void aDroppedSlotIsNeverHandedOutAgain() {
    ChunkMemory memory = new ChunkMemory("test", MIB, 4096);
    ChunkMemory.Slot slot = memory.acquire(MIB);
    memory.drop(slot);
    memory.release(slot); // what a failed load's finally does after the drop
    ChunkMemory.Slot next = memory.acquire(MIB);
    assertNotNull(next, "the dropped buffer's budget is free again");
    assertNotSame(slot, next);
  }

  @Test
  void forgetStopsServingAChunkAndKeepsItsBuffer() {
    ChunkMemory memory = new ChunkMemory("test", MIB, 4096);
    ChunkMemory.Slot slot = memory.acquire(MIB);
    Digest digest = load(memory, slot, 10, (byte) 3);
    memory.forget(digest);
    assertNull(read(memory, digest, 0, 10));
    assertSame(slot, memory.acquire(MIB));
  }

  @Test
  void buffersAreAlignedForDirectIo() {
    ChunkMemory memory = new ChunkMemory("test", 8 * MIB, 4096);
    for (int i = 0; i < 8; i++) {
      ByteBuffer buffer = memory.acquire(MIB).buffer();
      assertEquals(0, buffer.alignmentOffset(0, 4096), "buffer " + i);
    }
  }

  /**
   * Readers of one chunk race a loader that keeps taking the buffers (the chunk's included) for
   * other chunks: every read returns either -1 or the chunk's own bytes, never another's.
   */
  @Test
  void aReadNeverSeesTheBytesOfTheChunkThatReusedItsBuffer() throws Exception {
    ChunkMemory memory = new ChunkMemory("test", 2 * MIB, 4096);
    int size = 256 << 10;
    ExecutorService threads = Executors.newFixedThreadPool(3);
    AtomicBoolean stop = new AtomicBoolean();
    AtomicLong served = new AtomicLong();
    AtomicLong missed = new AtomicLong();
    try {
      Digest wanted = load(memory, memory.acquire(size), size, (byte) 42);
      List<Future<?>> readers = new ArrayList<>();
      for (int r = 0; r < 2; r++) {
        readers.add(threads.submit(() -> {
          ByteBuffer dst = ByteBuffer.allocateDirect(size);
          long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
          while (!stop.get() && System.nanoTime() < deadline) {
            dst.clear();
            int n = memory.read(wanted, 0, dst);
            if (n < 0) {
              missed.incrementAndGet();
              continue;
            }
            for (int i = 0; i < n; i++) {
              if (dst.get(i) != 42) {
                throw new AssertionError("read byte " + i + " = " + dst.get(i) + " of another chunk");
              }
            }
            served.incrementAndGet();
          }
          return null;
        }));
      }
      // The loader: takes buffers (reusing the wanted chunk's), fills them with other bytes, and
      // now and then publishes the wanted chunk again, so that reads are served between reuses.
      for (int round = 0; round < 2_000; round++) {
        ChunkMemory.Slot slot = memory.acquire(size);
        if (slot == null) {
          continue;
        }
        if (round % 3 == 0) {
          load(memory, slot, size, (byte) 42);
        } else {
          ByteBuffer fill = slot.buffer();
          while (fill.hasRemaining()) {
            fill.put((byte) (round % 40));
          }
          memory.publish(slot, Digest.sha256(new byte[] {(byte) round, (byte) (round >> 8)}), size);
        }
      }
      stop.set(true);
      for (Future<?> reader : readers) {
        reader.get(10, TimeUnit.SECONDS);
      }
    } finally {
      stop.set(true);
      threads.shutdownNow();
    }
    assertTrue(served.get() > 0, "some reads were served from memory (" + missed.get() + " missed)");
  }
}
