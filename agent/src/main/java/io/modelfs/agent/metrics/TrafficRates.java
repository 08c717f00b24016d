package io.modelfs.agent.metrics;

import java.util.ArrayDeque;
import java.util.Arrays;

/**
 * Rates (per second) of a few monotonically growing totals over a sliding window, from samples
 * taken now and then. The oldest sample kept is the newest one at least a window old, so a rate
 * spans about one window once the counters have run that long. Thread-safe.
 */
final class TrafficRates {
  private record Sample(long atMillis, long[] totals) {}

  private final long windowMillis;
  private final int width;
  private final ArrayDeque<Sample> samples = new ArrayDeque<>();

  TrafficRates(long windowMillis, int width) {
    if (windowMillis <= 0 || width <= 0) {
      throw new IllegalArgumentException("window " + windowMillis + " ms and width " + width + " must be positive");
    }
    this.windowMillis = windowMillis;
    this.width = width;
  }

  /** Adds the totals as they are at {@code atMillis}; samples that go back in time are ignored. */
  synchronized void record(long atMillis, long[] totals) {
    if (totals.length != width) {
      throw new IllegalArgumentException("expected " + width + " totals, got " + totals.length);
    }
    Sample last = samples.peekLast();
    if (last != null && atMillis <= last.atMillis) {
      return;
    }
    samples.addLast(new Sample(atMillis, totals.clone()));
    // Drop the oldest while the next one is still a full window back.
    while (samples.size() > 2) {
      Sample second = samples.stream().skip(1).findFirst().orElseThrow();
      if (atMillis - second.atMillis < windowMillis) {
        break;
      }
      samples.removeFirst();
    }
  }

  /** Per-second rates from the oldest to the newest sample; zeros until there are two samples. */
  synchronized double[] rates() {
    double[] rates = new double[width];
    if (samples.size() < 2) {
      return rates;
    }
    Sample first = samples.peekFirst();
    Sample last = samples.peekLast();
    double seconds = (last.atMillis - first.atMillis) / 1000.0;
    for (int i = 0; i < width; i++) {
      rates[i] = Math.max(0, last.totals[i] - first.totals[i]) / seconds;
    }
    return rates;
  }

  @Override
  public synchronized String toString() {
    return "TrafficRates" + Arrays.toString(rates());
  }
}
