package io.modelfs.schedule;

/**
 * Paces fetch starts at a byte rate: a start of {@code n} bytes moves the next allowed start
 * {@code n / rate} seconds on. A rate of 0 means no pacing. Time is whatever the caller passes
 * (ticker nanos).
 */
final class Pacer {
  private final long bytesPerSecond;
  private long next = Long.MIN_VALUE;

  Pacer(long bytesPerSecond) {
    this.bytesPerSecond = bytesPerSecond;
  }

  boolean ready(long now) {
    return bytesPerSecond == 0 || now >= next;
  }

  /** When the next start is allowed (only meaningful when not {@link #ready}). */
  long next() {
    return next;
  }

  void started(long now, long bytes) {
    if (bytesPerSecond == 0) {
      return;
    }
    long base = Math.max(now, next);
    next = base + Math.max(1, (long) (bytes * 1e9 / bytesPerSecond));
  }
}
