package io.modelfs.store;

import static java.util.concurrent.TimeUnit.SECONDS;

import io.modelfs.core.ChunkRef;
import io.modelfs.core.Digest;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;

/** Chunk contents, loaders and waits shared by the store tests. Every wait is bounded. */
final class TestChunks {
  static final long WAIT_SECONDS = 10;
  private static final int SLICE = 4096;

  private final Random random = new Random(42);

  byte[] bytes(int size) {
    byte[] data = new byte[size];
    random.nextBytes(data);
    return data;
  }

  static ChunkRef refOf(byte[] data) {
    return new ChunkRef(Digest.sha256(data), data.length);
  }

  /** A loader that streams {@code data} in 4 KiB writes, as a network loader would. */
  static ChunkLoader serving(byte[] data) {
    return (chunk, sink) -> {
      for (int at = 0; at < data.length; at += SLICE) {
        sink.write(ByteBuffer.wrap(data, at, Math.min(SLICE, data.length - at)));
      }
    };
  }

  /** Like {@link #serving} but first records {@code name} in {@code order}. */
  static ChunkLoader recording(String name, List<String> order, byte[] data) {
    return (chunk, sink) -> {
      order.add(name);
      serving(data).load(chunk, sink);
    };
  }

  /** Waits for the future and returns what it failed with; fails the test if it succeeded. */
  static Throwable failureOf(CompletableFuture<?> future) throws InterruptedException, TimeoutException {
    try {
      future.get(WAIT_SECONDS, SECONDS);
    } catch (ExecutionException e) {
      return e.getCause();
    }
    throw new AssertionError("expected the future to fail, it succeeded");
  }

  static void await(CompletableFuture<?> future) throws Exception {
    future.get(WAIT_SECONDS, SECONDS);
  }

  /** A loader that holds its fetch thread until released, then serves its data. */
  static final class Gate implements ChunkLoader {
    private final byte[] data;
    private final CountDownLatch started = new CountDownLatch(1);
    private final CountDownLatch released = new CountDownLatch(1);

    Gate(byte[] data) {
      this.data = data;
    }

    @Override
    public void load(ChunkRef chunk, WritableByteChannel sink) throws IOException {
      started.countDown();
      try {
        if (!released.await(WAIT_SECONDS, SECONDS)) {
          throw new IOException("test gate for chunk " + chunk + " was never released");
        }
      } catch (InterruptedException e) {
        throw new InterruptedIOException("test gate for chunk " + chunk + " interrupted");
      }
      serving(data).load(chunk, sink);
    }

    void awaitStarted() throws InterruptedException {
      if (!started.await(WAIT_SECONDS, SECONDS)) {
        throw new AssertionError("the gated load never started");
      }
    }

    void release() {
      released.countDown();
    }
  }
}
