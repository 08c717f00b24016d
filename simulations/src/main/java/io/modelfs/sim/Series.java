package io.modelfs.sim;

import java.util.Arrays;

/**
 * Bytes moved per time bucket, for the "origin egress over time" and "aggregate throughput"
 * charts. Bytes moved over an interval are spread over the buckets it covers in proportion.
 * Buckets stop at {@link #MAX_BUCKETS} (a filer serving 10,000 nodes for weeks of simulated
 * time); the total keeps counting.
 */
final class Series {
  static final int MAX_BUCKETS = 1 << 21;

  private final long bucketNanos;
  private double total;
  private double[] bytes = new double[64];
  private int used;

  Series(long bucketNanos) {
    if (bucketNanos <= 0) {
      throw new IllegalArgumentException("bucket must be positive, got " + bucketNanos + " ns");
    }
    this.bucketNanos = bucketNanos;
  }

  void add(long from, long to, double amount) {
    if (amount <= 0) {
      return;
    }
    total += amount;
    if (from / bucketNanos >= MAX_BUCKETS) {
      return;
    }
    if (to <= from) {
      int b = (int) (from / bucketNanos);
      bucket(b);
      bytes[b] += amount;
      return;
    }
    double perNano = amount / (to - from);
    long end = Math.min(to, MAX_BUCKETS * bucketNanos);
    long t = from;
    while (t < end) {
      int b = (int) (t / bucketNanos);
      long stop = Math.min(end, (b + 1L) * bucketNanos);
      bucket(b);
      bytes[b] += perNano * (stop - t);
      t = stop;
    }
  }

  long bucketNanos() {
    return bucketNanos;
  }

  int buckets() {
    return used;
  }

  /** Average bytes per second in bucket {@code i}. */
  double rate(int i) {
    return i < used ? bytes[i] / (bucketNanos / 1e9) : 0;
  }

  double total() {
    return total;
  }

  private void bucket(int b) {
    if (b >= bytes.length) {
      bytes = Arrays.copyOf(bytes, Math.max(b + 1, bytes.length * 2));
    }
    used = Math.max(used, b + 1);
  }
}
