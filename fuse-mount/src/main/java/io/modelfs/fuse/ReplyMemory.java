package io.modelfs.fuse;

import com.kenai.jffi.MemoryIO;
import java.nio.ByteBuffer;
import jnr.ffi.Pointer;

/**
 * The reply memory libfuse hands to a read callback, seen as a {@link ByteBuffer}, so that the
 * chunk store reads a chunk file straight into it: no scratch buffer, no copy in Java.
 *
 * <p>Design note. The obvious alternative — read into a per-thread direct buffer and
 * {@code Pointer.transferFrom} it — was the mount's hottest Java frame in a JFR profile of a cold
 * read: jnr-ffi copies from a {@code ByteBuffer}-backed pointer one byte at a time (it only
 * {@code memcpy}s between native addresses). And libfuse's multi-threaded loop starts and stops
 * worker threads as reads block and wake, so a per-thread buffer was allocated (and zeroed) for
 * almost every request. The buffer returned here is a view: valid only during the callback,
 * never kept.
 */
final class ReplyMemory {
  private ReplyMemory() {}

  /**
   * {@code size} bytes of {@code reply} as a direct buffer (position 0, limit {@code size}) when
   * the pointer has a native address, as every pointer libfuse passes does; otherwise null.
   */
  static ByteBuffer view(Pointer reply, int size) {
    if (!reply.isDirect() || reply.address() == 0) {
      return null;
    }
    return MemoryIO.getInstance().newDirectByteBuffer(reply.address(), size);
  }
}
