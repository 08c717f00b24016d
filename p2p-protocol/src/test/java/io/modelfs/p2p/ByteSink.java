package io.modelfs.p2p;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;

/** A sink that keeps what it is given, optionally slowly (test fixture). */
final class ByteSink implements WritableByteChannel {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  /** Pause before each write; tests may change it while a transfer runs. */
  volatile long pauseMillisPerWrite;
  volatile long written;

  ByteSink(long pauseMillisPerWrite) {
    this.pauseMillisPerWrite = pauseMillisPerWrite;
  }

  @Override
  public synchronized int write(ByteBuffer src) {
    if (pauseMillisPerWrite > 0) {
      try {
        Thread.sleep(pauseMillisPerWrite);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    int n = src.remaining();
    byte[] b = new byte[n];
    src.get(b);
    out.write(b, 0, n);
    written += n;
    return n;
  }

  synchronized byte[] bytes() {
    return out.toByteArray();
  }

  @Override
  public boolean isOpen() {
    return true;
  }

  @Override
  public void close() {}
}
