package io.modelfs.fuse;

import java.nio.ByteBuffer;

/**
 * One reusable heap buffer per kernel-request thread, for copying read data into the reply
 * memory jnr-fuse hands over. Bounded at {@link #MAX_SIZE}: a larger read is served in pieces,
 * so a thread never holds more than that, and no read allocates a fresh array.
 */
final class ScratchBuffers {
  static final int MAX_SIZE = 1 << 20;
  private static final int MIN_SIZE = 64 << 10;
  private static final ThreadLocal<ByteBuffer> BUFFER = new ThreadLocal<>();

  private ScratchBuffers() {}

  /** This thread's buffer, cleared, with at least {@code min(wanted, MAX_SIZE)} capacity. */
  static ByteBuffer get(long wanted) {
    int needed = (int) Math.max(MIN_SIZE, Math.min(wanted, MAX_SIZE));
    ByteBuffer buffer = BUFFER.get();
    if (buffer == null || buffer.capacity() < needed) {
      buffer = ByteBuffer.allocate(Integer.highestOneBit(needed - 1) << 1);
      BUFFER.set(buffer);
    }
    return buffer.clear();
  }
}
