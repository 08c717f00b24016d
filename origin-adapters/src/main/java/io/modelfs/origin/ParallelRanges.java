package io.modelfs.origin;

import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Reads a long range of an object as parallel ranged requests: parts of {@code partSize} bytes,
 * at most {@code concurrency} in flight, written to the sink in order. Memory is bounded by
 * {@code concurrency × partSize}: a part is requested only once the part {@code concurrency}
 * places before it has been written. A range no longer than one part is one request on the
 * caller's thread.
 *
 * <p>On a failure the parts in flight are cancelled and the first failure (in sink order) is
 * thrown; the parts before it have been written, so the caller may resume after them.
 */
final class ParallelRanges implements AutoCloseable {

  /** One ranged request: writes bytes {@code [offset, offset + length)} to the sink. */
  interface RangeReader {
    void read(long offset, long length, WritableByteChannel sink) throws IOException;
  }

  private final ExecutorService pool;
  private final long partSize;
  private final int concurrency;

  ParallelRanges(long partSize, int concurrency) {
    this.partSize = partSize;
    this.concurrency = concurrency;
    this.pool = Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "origin-part");
      t.setDaemon(true);
      return t;
    });
  }

  void read(URI uri, RangeReader reader, long offset, long length, WritableByteChannel sink) throws IOException {
    if (length <= partSize || concurrency == 1) {
      reader.read(offset, length, sink);
      return;
    }
    long parts = (length + partSize - 1) / partSize;
    Deque<Future<ByteBuffer>> window = new ArrayDeque<>();
    long next = 0;
    try {
      while (next < parts && window.size() < concurrency) {
        window.add(submit(uri, reader, offset, length, next++));
      }
      while (!window.isEmpty()) {
        ByteBuffer part = await(uri, window.removeFirst());
        while (part.hasRemaining()) {
          sink.write(part);
        }
        if (next < parts) {
          window.add(submit(uri, reader, offset, length, next++));
        }
      }
    } finally {
      for (Future<ByteBuffer> f : window) {
        f.cancel(true);
      }
    }
  }

  private Future<ByteBuffer> submit(URI uri, RangeReader reader, long offset, long length, long index) {
    long start = offset + index * partSize;
    int size = (int) Math.min(partSize, offset + length - start);
    return pool.submit(() -> {
      ByteBuffer buf = ByteBuffer.allocate(size);
      reader.read(start, size, new BufferSink(buf));
      if (buf.hasRemaining()) {
        throw new OriginException.Transient(uri, "part at " + start + " ended after " + buf.position() + " of "
            + size + " bytes", null);
      }
      return buf.flip();
    });
  }

  private static ByteBuffer await(URI uri, Future<ByteBuffer> f) throws IOException {
    try {
      return f.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new OriginException.Transient(uri, "interrupted", e);
    } catch (CancellationException e) {
      throw new OriginException.Transient(uri, "part cancelled", e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof IOException io) {
        throw io;
      }
      throw new OriginException.Transient(uri, "part failed: " + e.getCause(), e.getCause());
    }
  }

  @Override
  public void close() {
    pool.shutdownNow();
  }

  /** A sink into a fixed buffer that refuses bytes beyond it. */
  static final class BufferSink implements WritableByteChannel {
    private final ByteBuffer buf;

    BufferSink(ByteBuffer buf) {
      this.buf = buf;
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
      if (src.remaining() > buf.remaining()) {
        throw new IOException("origin sent " + src.remaining() + " bytes where " + buf.remaining() + " were left");
      }
      int n = src.remaining();
      buf.put(src);
      return n;
    }

    @Override
    public boolean isOpen() {
      return true;
    }

    @Override
    public void close() {}
  }
}
