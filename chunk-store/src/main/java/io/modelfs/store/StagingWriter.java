package io.modelfs.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.concurrent.ExecutorService;

/**
 * Writes a staging file on a writer thread while the fetch thread hashes, so that a load costs
 * about max(hash, write) rather than hash + write.
 *
 * <p>Design note. Measured on this project's machine, SHA-256 (JDK intrinsics) runs at 1–1.4 GB/s
 * and the kernel's copy into the page cache at 1–2.7 GB/s on one core; done one after the other
 * a load cannot reach 0.8× of SHA-256 alone. So bytes are copied into one of two direct buffers
 * (one memcpy, which the JDK would do anyway to write a heap buffer); a full buffer is written
 * with a positional write on the writer pool while the fetch thread fills the other and hashes
 * the bytes it just copied. At most one write is outstanding, so writes land in order.
 *
 * <p>A buffer may be reused only once its write has completed: {@link #finish()} waits for it,
 * and {@link #idle()} tells the owner whether the buffers can go back to its pool (after an
 * interrupt they may still be in use, and are dropped). Used by one fetch thread at a time.
 */
final class StagingWriter extends StagingSink {
  /** Size of each of the two buffers: small enough that the last, unoverlapped write is short. */
  static final int BUFFER_BYTES = 256 << 10;

  /** A fetch thread's two reusable direct buffers. */
  static final class Buffers {
    private final ByteBuffer[] pair = {ByteBuffer.allocateDirect(BUFFER_BYTES), ByteBuffer.allocateDirect(BUFFER_BYTES)};
  }

  private ByteBuffer filling;
  private ByteBuffer spare;
  private long position;

  StagingWriter(FileChannel file, ExecutorService writers, Buffers buffers) {
    super(file, writers);
    this.filling = buffers.pair[0].clear();
    this.spare = buffers.pair[1].clear();
  }

  /** Copies all of {@code src}; hands each full buffer to a writer thread. */
  @Override
  public int write(ByteBuffer src) throws IOException {
    int n = src.remaining();
    while (src.hasRemaining()) {
      if (!filling.hasRemaining()) {
        submit();
      }
      int take = Math.min(filling.remaining(), src.remaining());
      filling.put(filling.position(), src, src.position(), take);
      filling.position(filling.position() + take);
      src.position(src.position() + take);
    }
    return n;
  }

  @Override
  void finish() throws IOException {
    if (filling.position() > 0) {
      submit();
    }
    await();
  }

  private void submit() throws IOException {
    await();
    ByteBuffer full = filling.flip();
    long at = position;
    position += full.remaining();
    submit(full, at);
    filling = spare.clear();
    spare = full;
  }
}
