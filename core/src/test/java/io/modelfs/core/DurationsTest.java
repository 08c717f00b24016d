package io.modelfs.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class DurationsTest {
  @Test
  void parsesWhatPeopleWrite() {
    assertEquals(Duration.ofMillis(250), Durations.parse("250ms"));
    assertEquals(Duration.ofSeconds(30), Durations.parse("30"));
    assertEquals(Duration.ofMinutes(3), Durations.parse(" 3m "));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Durations.parse("soon"));
    assertTrue(e.getMessage().contains("'soon' is not a duration"), e.getMessage());
  }

  @Test
  void untilIsTheTimeLeftAndNeverNegative() {
    Instant now = Instant.parse("2026-11-28T18:00:00Z");
    Clock clock = Clock.fixed(now, ZoneOffset.UTC);
    assertEquals(Duration.ofMillis(1500), Durations.until(now.plusMillis(1500), clock));
    assertEquals(Duration.ZERO, Durations.until(now.minusSeconds(1), clock), "a passed deadline leaves nothing");
  }

  @Test
  void processCpuIsReportedAndGrows() {
    long before = ProcessCpu.nanos();
    long x = 0;
    for (int i = 0; i < 50_000_000; i++) {
      x += i ^ (x >>> 3);
    }
    long after = ProcessCpu.nanos();
    assertTrue(before > 0 && after > before, "process CPU " + before + " -> " + after + " (" + x + ")");
  }
}
