package io.modelfs.store;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;

/**
 * The one positional write a staging writer ({@link StagingWriter}, {@link DirectStagingWriter})
 * has outstanding on the store's writer pool, so that the fetch thread fills and hashes while the
 * bytes before go to the file. Used by one fetch thread at a time.
 */
final class PendingWrite {
  private final FileChannel file;
  private final ExecutorService writers;
  private Future<?> pending;

  PendingWrite(FileChannel file, ExecutorService writers) {
    this.file = file;
    this.writers = writers;
  }

  /** Writes all of {@code bytes} at {@code at} on a writer thread; call only when {@link #idle()}. */
  void submit(ByteBuffer bytes, long at) throws IOException {
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

  /** True if no write is outstanding, so its buffer may be reused. */
  boolean idle() {
    return pending == null;
  }

  /** True if a write is outstanding and not yet done. */
  boolean busy() {
    return pending != null && !pending.isDone();
  }

  /** Waits for the outstanding write, if any; throws its failure. */
  void await() throws IOException {
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
