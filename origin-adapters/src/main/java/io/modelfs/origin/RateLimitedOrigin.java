package io.modelfs.origin;

import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * Caps the bytes per second read through an origin (all threads together), a token bucket that
 * holds at most one second of bytes. Reads block as bytes reach the sink, so the cap holds for
 * parallel ranged reads too.
 */
final class RateLimitedOrigin implements Origin {
  private final Origin inner;
  private final long bytesPerSecond;
  private final LongSupplier nanoTime;
  private double tokens;
  private long last;

  RateLimitedOrigin(Origin inner, long bytesPerSecond, LongSupplier nanoTime) {
    this.inner = inner;
    this.bytesPerSecond = bytesPerSecond;
    this.nanoTime = nanoTime;
    this.last = nanoTime.getAsLong();
    this.tokens = bytesPerSecond;
  }

  @Override
  public URI uri() {
    return inner.uri();
  }

  @Override
  public List<ObjectInfo> list() throws IOException {
    return inner.list();
  }

  @Override
  public ObjectInfo stat(String path) throws IOException {
    return inner.stat(path);
  }

  @Override
  public void read(String path, String expectedVersion, long offset, long length, WritableByteChannel sink)
      throws IOException {
    inner.read(path, expectedVersion, offset, length, new WritableByteChannel() {
      @Override
      public int write(ByteBuffer src) throws IOException {
        acquire(src.remaining());
        return sink.write(src);
      }

      @Override
      public boolean isOpen() {
        return sink.isOpen();
      }

      @Override
      public void close() {}
    });
  }

  @Override
  public byte[] readAll(String path, int maxBytes) throws IOException {
    byte[] b = inner.readAll(path, maxBytes);
    acquire(b.length);
    return b;
  }

  @Override
  public void put(String path, byte[] bytes) throws IOException {
    inner.put(path, bytes);
  }

  /** Takes {@code n} tokens, sleeping until the bucket has refilled enough. */
  void acquire(long n) throws IOException {
    long waitNanos;
    synchronized (this) {
      long now = nanoTime.getAsLong();
      tokens = Math.min(bytesPerSecond, tokens + (now - last) * bytesPerSecond / 1e9);
      last = now;
      tokens -= n;
      waitNanos = tokens >= 0 ? 0 : (long) (-tokens * 1e9 / bytesPerSecond);
    }
    if (waitNanos > 0) {
      try {
        Thread.sleep(waitNanos / 1_000_000, (int) (waitNanos % 1_000_000));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new OriginException.Transient(inner.uri(), "interrupted while rate-limited", e);
      }
    }
  }

  @Override
  public void close() throws IOException {
    inner.close();
  }
}
