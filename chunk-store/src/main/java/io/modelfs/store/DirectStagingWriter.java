package io.modelfs.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.concurrent.ExecutorService;

/**
 * Loads a chunk into a {@link ChunkMemory.Slot} and writes the staging file from it with
 * {@code O_DIRECT} on a writer thread while the fetch thread goes on filling and hashing, as
 * {@link StagingWriter} does through two small buffers. A write is handed over whenever
 * {@value #WRITE_BYTES} or more block-aligned bytes are waiting and no write is outstanding, so at
 * most one is in flight and they land in order. {@link #finish()} writes the rest padded with
 * zeros to a whole block, waits, and cuts the file to the chunk's size.
 *
 * <p>{@code file} must be opened with {@code ExtendedOpenOption.DIRECT}; the slot's memory is
 * aligned to {@code blockSize}. The slot may be reused only once {@link #idle()}. Used by one
 * fetch thread at a time.
 */
final class DirectStagingWriter extends StagingSink {
  /** The least a handed-over write carries (except the last). */
  static final int WRITE_BYTES = 1 << 20;

  private final ByteBuffer memory;
  private final int blockSize;
  private int filled;
  private int submitted;

  DirectStagingWriter(FileChannel file, ExecutorService writers, ByteBuffer memory, int blockSize) {
    super(file, writers);
    this.memory = memory;
    this.blockSize = blockSize;
  }

  /** Copies all of {@code src} into the slot; hands a write to the writer thread when enough is waiting. */
  @Override
  public int write(ByteBuffer src) throws IOException {
    int n = src.remaining();
    if (n > memory.capacity() - filled) {
      throw new IOException("chunk is larger than its " + memory.capacity() + " byte load buffer");
    }
    memory.put(filled, src, src.position(), n);
    src.position(src.position() + n);
    filled += n;
    int ready = filled / blockSize * blockSize;
    if (ready - submitted >= WRITE_BYTES && !busy()) {
      await(); // done: throws its failure, if any
      submitUpTo(ready);
    }
    return n;
  }

  /** Writes what is left (padded to a block), waits for every write, and trims the file to the bytes taken. */
  @Override
  void finish() throws IOException {
    await();
    int end = (int) ChunkMemory.roundUp(filled, blockSize);
    if (end > submitted) {
      memory.put(filled, new byte[end - filled]); // padding, cut off below
      submitUpTo(end);
      await();
    }
    if (end != filled) {
      file.truncate(filled);
    }
  }

  private void submitUpTo(int upTo) throws IOException {
    ByteBuffer part = memory.slice(submitted, upTo - submitted);
    submit(part, submitted);
    submitted = upTo;
  }
}
