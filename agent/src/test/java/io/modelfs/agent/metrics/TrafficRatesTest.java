package io.modelfs.agent.metrics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class TrafficRatesTest {
  @Test
  void ratesAreZeroUntilThereAreTwoSamples() {
    TrafficRates r = new TrafficRates(5000, 2);
    assertArrayEquals(new double[] {0, 0}, r.rates());
    r.record(1000, new long[] {100, 0});
    assertArrayEquals(new double[] {0, 0}, r.rates());
  }

  @Test
  void rateSpansAboutOneWindowAndForgetsOlderSamples() {
    TrafficRates r = new TrafficRates(5000, 1);
    r.record(0, new long[] {0});
    r.record(1000, new long[] {1_000_000}); // a burst long ago
    for (int t = 2; t <= 12; t++) {
      r.record(t * 1000L, new long[] {1_000_000 + (t - 1) * 10_000L});
    }
    // The window now starts at 7 s: 10 kB/s, the burst has aged out.
    assertArrayEquals(new double[] {10_000}, r.rates(), 1e-9);
  }

  @Test
  void samplesGoingBackInTimeAreIgnoredAndCountersNeverGoNegative() {
    TrafficRates r = new TrafficRates(5000, 1);
    r.record(1000, new long[] {500});
    r.record(500, new long[] {0});
    r.record(2000, new long[] {400});
    assertArrayEquals(new double[] {0}, r.rates());
  }

  @Test
  void rejectsTotalsOfTheWrongWidth() {
    TrafficRates r = new TrafficRates(5000, 2);
    assertThrows(IllegalArgumentException.class, () -> r.record(1, new long[] {1}));
  }
}
