package io.modelfs.origin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RetryingOriginTest {
  @TempDir Path dir;

  @Test
  void backoffIsExponentialWithFullJitterUnderTheCap() {
    RetryingOrigin r = new RetryingOrigin(new FileOrigin(dir), new RetryingOrigin.Policy(10, Duration.ofMinutes(1),
        Duration.ofMillis(100), Duration.ofMillis(500), Duration.ofSeconds(10)), d -> { }, System::nanoTime,
        RandomGenerator.of("L64X128MixRandom"));
    for (int attempt = 1; attempt <= 10; attempt++) {
      long max = 0;
      for (int i = 0; i < 200; i++) {
        long d = r.delay(attempt, false).toMillis();
        assertTrue(d >= 0 && d <= Math.min(10_000, 100L << (attempt - 1)), attempt + ": " + d);
        max = Math.max(max, d);
        assertTrue(r.delay(attempt, true).toMillis() <= Math.min(10_000, 500L << (attempt - 1)));
      }
      assertTrue(max > Math.min(10_000, 100L << (attempt - 1)) / 2, "jitter spreads over the range");
    }
  }

  @Test
  void retriesStopWhenTheTimeBudgetWouldBeExceeded() throws Exception {
    Files.write(dir.resolve("a"), new byte[10]);
    AtomicLong now = new AtomicLong();
    List<Duration> slept = new ArrayList<>();
    OriginContract.Faulty always = new OriginContract.Faulty(new FileOrigin(dir), Integer.MAX_VALUE, false);
    RetryingOrigin r = new RetryingOrigin(always, new RetryingOrigin.Policy(100, Duration.ofSeconds(5),
        Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofSeconds(1)), d -> {
          slept.add(d);
          now.addAndGet(d.toNanos());
        }, now::get, RandomGenerator.of("L64X128MixRandom"));
    assertThrows(OriginException.Throttled.class, () -> OriginContract.read(r, "a", null, 0, 10));
    long total = slept.stream().mapToLong(Duration::toNanos).sum();
    assertTrue(total <= Duration.ofSeconds(5).toNanos(), slept.toString());
    assertEquals(slept.size() + 1, always.calls.get());
  }

  @Test
  void permanentFailuresAreNotRetried() throws Exception {
    List<Duration> slept = new ArrayList<>();
    RetryingOrigin r = OriginContract.retrying(new FileOrigin(dir), 5, slept);
    assertThrows(OriginException.NotFound.class, () -> r.stat("missing"));
    assertEquals(0, slept.size());
  }

  @Test
  void theRateCapHoldsAcrossReads() throws Exception {
    Files.write(dir.resolve("a"), new byte[3 << 20]);
    RateLimitedOrigin capped = new RateLimitedOrigin(new FileOrigin(dir), 2 << 20, System::nanoTime);
    long start = System.nanoTime();
    OriginContract.read(capped, "a", null, 0, 3 << 20);
    double secs = (System.nanoTime() - start) / 1e9;
    // the bucket starts full (2 MiB), so 3 MiB at 2 MiB/s needs at least ~0.5 s
    assertTrue(secs >= 0.45, "3 MiB at 2 MiB/s took " + secs + " s");
  }
}
