package io.modelfs.agent.metrics;

import java.time.Clock;
import java.util.function.Supplier;

/**
 * Remembers a snapshot for a short time, so that one scrape reading a dozen store counters asks
 * the store once. Thread-safe; a racing refresh costs one extra call.
 */
final class StatsCache<T> implements Supplier<T> {
  private record Entry<T>(long atMillis, T value) {}

  private final Supplier<T> source;
  private final Clock clock;
  private final long ttlMillis;
  private volatile Entry<T> entry;

  StatsCache(Supplier<T> source, Clock clock, long ttlMillis) {
    this.source = source;
    this.clock = clock;
    this.ttlMillis = ttlMillis;
  }

  @Override
  public T get() {
    long now = clock.millis();
    Entry<T> e = entry;
    if (e == null || now - e.atMillis >= ttlMillis || now < e.atMillis) {
      e = new Entry<>(now, source.get());
      entry = e;
    }
    return e.value;
  }
}
