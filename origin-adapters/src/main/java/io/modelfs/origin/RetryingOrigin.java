package io.modelfs.origin;

import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.time.Duration;
import java.util.List;
import java.util.function.LongSupplier;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Retries an origin's retryable failures ({@link OriginException#retryable()}: throttling and
 * transient errors) with exponential backoff and full jitter, bounded in attempts and in time. A
 * read cut off mid-stream resumes after the bytes the sink already received, so the caller sees
 * each byte once. Throttling backs off from a longer base than other transient failures.
 */
final class RetryingOrigin implements Origin {
  private static final Logger log = LoggerFactory.getLogger(RetryingOrigin.class);

  /** Sleeps; injected so tests run without waiting. */
  interface Sleeper {
    void sleep(Duration d) throws InterruptedException;
  }

  /** How to back off: attempts, total time, base delays, cap. */
  record Policy(int attempts, Duration maxTime, Duration base, Duration throttledBase, Duration cap) {
    static Policy of(OriginSettings s) {
      return new Policy(s.attempts(), s.retryTime(), Duration.ofMillis(100), Duration.ofMillis(500),
          Duration.ofSeconds(10));
    }
  }

  private interface Call<T> {
    T run(int attempt) throws IOException;
  }

  private final Origin inner;
  private final Policy policy;
  private final Sleeper sleeper;
  private final LongSupplier nanoTime;
  private final RandomGenerator random;

  RetryingOrigin(Origin inner, Policy policy, Sleeper sleeper, LongSupplier nanoTime, RandomGenerator random) {
    this.inner = inner;
    this.policy = policy;
    this.sleeper = sleeper;
    this.nanoTime = nanoTime;
    this.random = random;
  }

  static RetryingOrigin of(Origin inner, OriginSettings s) {
    return new RetryingOrigin(inner, Policy.of(s), d -> Thread.sleep(d.toMillis()), System::nanoTime,
        RandomGenerator.of("L64X128MixRandom"));
  }

  @Override
  public URI uri() {
    return inner.uri();
  }

  @Override
  public List<ObjectInfo> list() throws IOException {
    return retry("list", a -> inner.list());
  }

  @Override
  public ObjectInfo stat(String path) throws IOException {
    return retry("stat " + path, a -> inner.stat(path));
  }

  @Override
  public void read(String path, String expectedVersion, long offset, long length, WritableByteChannel sink)
      throws IOException {
    Counting counting = new Counting(sink);
    retry("read " + path, a -> {
      long done = counting.count;
      inner.read(path, expectedVersion, offset + done, length - done, counting);
      return null;
    });
  }

  @Override
  public byte[] readAll(String path, int maxBytes) throws IOException {
    return retry("read " + path, a -> inner.readAll(path, maxBytes));
  }

  @Override
  public void put(String path, byte[] bytes) throws IOException {
    retry("put " + path, a -> {
      inner.put(path, bytes);
      return null;
    });
  }

  private <T> T retry(String what, Call<T> call) throws IOException {
    long start = nanoTime.getAsLong();
    for (int attempt = 1; ; attempt++) {
      try {
        return call.run(attempt);
      } catch (OriginException e) {
        if (!e.retryable() || attempt >= policy.attempts()) {
          throw e;
        }
        Duration delay = delay(attempt, e instanceof OriginException.Throttled);
        long elapsed = nanoTime.getAsLong() - start;
        if (elapsed + delay.toNanos() > policy.maxTime().toNanos()) {
          throw e;
        }
        log.debug("{} on {}: {}; attempt {} of {} in {} ms", what, inner.uri(), e.getMessage(), attempt + 1,
            policy.attempts(), delay.toMillis());
        try {
          sleeper.sleep(delay);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          throw e;
        }
      }
    }
  }

  /** Full jitter: uniform in [0, min(cap, base · 2^(attempt-1))]. */
  Duration delay(int attempt, boolean throttled) {
    long base = (throttled ? policy.throttledBase() : policy.base()).toMillis();
    long ceiling = Math.min(policy.cap().toMillis(), base << Math.min(attempt - 1, 20));
    return Duration.ofMillis(random.nextLong(ceiling + 1));
  }

  @Override
  public void close() throws IOException {
    inner.close();
  }

  /** Counts what reached the caller's sink, so a retry resumes after it. */
  private static final class Counting implements WritableByteChannel {
    private final WritableByteChannel sink;
    private long count;

    Counting(WritableByteChannel sink) {
      this.sink = sink;
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
      int n = sink.write(src);
      count += n;
      return n;
    }

    @Override
    public boolean isOpen() {
      return sink.isOpen();
    }

    @Override
    public void close() {}
  }
}
