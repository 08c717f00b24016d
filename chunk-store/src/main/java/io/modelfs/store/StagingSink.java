package io.modelfs.store;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;

/**
 * What the two staging writers ({@link StagingWriter} through small buffers and the page cache,
 * {@link DirectStagingWriter} from a {@link ChunkMemory} slot with {@code O_DIRECT}) share: the
 * one positional write each has outstanding on the store's writer pool, so that the fetch thread
 * fills and hashes while the bytes before go to the file. A writer's memory may be reused only
 * once {@link #idle()}. Used by one fetch thread at a time.
 */
abstract class StagingSink implements WritableByteChannel {
  protected final FileChannel file;
  private final ExecutorService writers;
  private Future<?> pending;
  private boolean open = true;

  StagingSink(FileChannel file, ExecutorService writers) {
    this.file = file;
    this.writers = writers;
  }

  /** Writes what is still buffered and waits until every write is done; throws the first write's failure. */
  abstract void finish() throws IOException;

  @Override
  public final boolean isOpen() {
    return open;
  }

  /** Stops taking bytes; does not wait for an outstanding write (see {@link #idle()}). */
  @Override
  public final void close() {
    open = false;
  }

  /** Writes all of {@code bytes} at {@code at} on a writer thread; call only when {@link #idle()}. */
  final void submit(ByteBuffer bytes, long at) throws IOException {
    try {
      pending = writers.submit(() -> {
        while (bytes.hasRemaining()) {
          file.write(bytes, at + bytes.position());
        }
        return null;
      });
    } catch (RejectedExecutionException e) {
      throw new IOException("staging writer for " + file + " is shut down (the store is closing)", e);
    }
  }

  /** True if no write is outstanding, so the writer's memory may be reused. */
  final boolean idle() {
    return pending == null;
  }

  /** True if a write is outstanding and not yet done. */
  final boolean busy() {
    return pending != null && !pending.isDone();
  }

  /** Waits for the outstanding write, if any; throws its failure. */
  final void await() throws IOException {
    if (pending == null) {
      return;
    }
    try {
      pending.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while a staging write was in progress");
    } catch (ExecutionException e) {
      pending = null;
      Throwable cause = e.getCause();
      if (cause instanceof IOException io) {
        throw io;
      }
      throw new IOException("staging write failed: " + cause, cause);
    }
    pending = null;
  }
}
