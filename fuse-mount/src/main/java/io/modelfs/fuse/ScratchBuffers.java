package io.modelfs.fuse;

import java.nio.ByteBuffer;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;

/**
 * One reusable native buffer per kernel-request thread, for read data on its way into the
 * reply memory jnr-fuse hands over: the chunk store reads a chunk file straight into it (no
 * JDK bounce buffer, as a heap array would need) and one memcpy moves it to the reply.
 * Bounded at {@link #MAX_SIZE}: a larger read is served in pieces, so a thread never holds
 * more than that, and no read allocates.
 */
final class ScratchBuffers {
  static final int MAX_SIZE = 1 << 20;
  private static final int MIN_SIZE = 64 << 10;
  private static final ThreadLocal<Scratch> BUFFER = new ThreadLocal<>();

  /** A direct buffer and the native pointer to the same memory. */
  record Scratch(ByteBuffer buffer, Pointer pointer) {}

  private ScratchBuffers() {}

  /** This thread's buffer, cleared, with at least {@code min(wanted, MAX_SIZE)} capacity. */
  static Scratch get(long wanted) {
    int needed = (int) Math.max(MIN_SIZE, Math.min(wanted, MAX_SIZE));
    Scratch scratch = BUFFER.get();
    if (scratch == null || scratch.buffer().capacity() < needed) {
      ByteBuffer buffer = ByteBuffer.allocateDirect(Integer.highestOneBit(needed - 1) << 1);
      scratch = new Scratch(buffer, Pointer.wrap(Runtime.getSystemRuntime(), buffer));
      BUFFER.set(scratch);
    }
    scratch.buffer().clear();
    return scratch;
  }
}
