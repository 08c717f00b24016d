package io.modelfs.agent.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.modelfs.fuse.FuseListener;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;

/**
 * FUSE callbacks as metrics: {@code modelfs_fuse_operations_seconds{op}} (count, sum, max) for
 * every callback, {@code modelfs_fuse_errors_total{op,errno}} for those answered with an error
 * (ENOENT from lookups is normal; EIO is what to alert on). Meters are made once per label set.
 */
final class FuseMetrics implements FuseListener {
  private final MeterRegistry registry;
  private final ConcurrentMap<String, Timer> timers = new ConcurrentHashMap<>();
  private final ConcurrentMap<String, Counter> errors = new ConcurrentHashMap<>();

  FuseMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  @Override
  public void completed(String op, String error, long nanos) {
    timers.computeIfAbsent(op, o -> Timer.builder("modelfs.fuse.operations").tag("op", o)
        .description("FUSE callbacks answered, by operation").register(registry)).record(nanos, TimeUnit.NANOSECONDS);
    if (error != null) {
      errors.computeIfAbsent(op + " " + error, k -> Counter.builder("modelfs.fuse.errors").tag("op", op)
          .tag("errno", error).description("FUSE callbacks answered with an error, by operation and errno")
          .register(registry)).increment();
    }
  }
}
