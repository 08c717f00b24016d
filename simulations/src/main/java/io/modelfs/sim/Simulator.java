package io.modelfs.sim;

import io.modelfs.schedule.Ticker;

/**
 * The discrete-event engine: simulated time in nanoseconds and an agenda of events. There is no
 * wall clock and no thread here: {@link #run} pops the earliest event, sets the time to it and
 * runs it, until the agenda is empty, a stop condition holds or the time limit passes. Being
 * the schedulers' {@link Ticker}, it is the only clock the simulated nodes ever see.
 *
 * <p>Not thread-safe. Errors: scheduling an event in the past throws
 * {@link IllegalArgumentException} (a bug in the caller, never rounded away).
 */
final class Simulator implements Ticker {
  private final EventQueue agenda = new EventQueue();
  private long now;
  private long executed;
  /** Events moved on the agenda by {@link #reschedule} (each was one more superseded event before 2026-11-28). */
  private long moved;
  /** Per {@link EventKind}: events scheduled and, for scheduler calls, calls made and their CPU nanos. */
  final long[] counts = new long[EventKind.values().length];
  final long[] nanos = new long[EventKind.values().length];

  @Override
  public long nanos() {
    return now;
  }

  long now() {
    return now;
  }

  double seconds() {
    return now / 1e9;
  }

  /** Runs {@code event} at absolute time {@code at} (nanoseconds). */
  void at(long at, Runnable event) {
    at(at, EventKind.OTHER, event);
  }

  /** Runs {@code event} at absolute time {@code at} (nanoseconds), tallied as {@code kind}. */
  void at(long at, EventKind kind, Runnable event) {
    counts[kind.ordinal()]++;
    if (at < now) {
      throw new IllegalArgumentException("event scheduled at " + at + " ns, before now (" + now + " ns)");
    }
    agenda.add(at, event);
  }

  /**
   * Runs {@code event} at absolute time {@code at}, tallied as {@code kind}; if it is on the agenda
   * already it moves there (and runs only there), ordered as if scheduled anew now.
   */
  void reschedule(long at, EventKind kind, EventQueue.Keyed event) {
    if (at < now) {
      throw new IllegalArgumentException("event rescheduled at " + at + " ns, before now (" + now + " ns)");
    }
    if (agenda.reschedule(at, event)) {
      moved++;
    } else {
      counts[kind.ordinal()]++;
    }
  }

  /** Takes {@code event} off the agenda if it is on it. */
  void cancel(EventQueue.Keyed event) {
    agenda.cancel(event);
  }

  /** Runs {@code event} {@code delay} nanoseconds from now. */
  void after(long delay, Runnable event) {
    at(now + Math.max(0, delay), event);
  }

  /** Runs {@code event} {@code delay} nanoseconds from now, tallied as {@code kind}. */
  void after(long delay, EventKind kind, Runnable event) {
    at(now + Math.max(0, delay), kind, event);
  }

  /** The tally so far: each kind with a count, its share, and for scheduler calls their CPU (wall nanos). */
  String tally() {
    StringBuilder b = new StringBuilder();
    long events = 0;
    for (EventKind k : EventKind.values()) {
      if (!k.name().startsWith("CALL_")) {
        events += counts[k.ordinal()];
      }
    }
    for (EventKind k : EventKind.values()) {
      long c = counts[k.ordinal()];
      if (c == 0) {
        continue;
      }
      b.append(String.format(java.util.Locale.ROOT, "%n  %-18s %,14d", k, c));
      if (k.name().startsWith("CALL_")) {
        b.append(String.format(java.util.Locale.ROOT, "  %8.1f s  %6.1f us/call", nanos[k.ordinal()] / 1e9,
            nanos[k.ordinal()] / 1e3 / c));
      } else {
        b.append(String.format(java.util.Locale.ROOT, "  %5.1f%% of events", 100.0 * c / Math.max(1, events)));
      }
    }
    if (moved > 0) {
      b.append(String.format(java.util.Locale.ROOT, "%n  %-18s %,14d  (events moved on the agenda, not counted above)",
          "RESCHEDULED", moved));
    }
    return b.toString();
  }

  /**
   * Runs events in order until {@code stop} is true (checked after each event), the agenda is
   * empty, or the next event lies beyond {@code limit}. Returns true if stopped by {@code stop}.
   */
  boolean run(long limit, java.util.function.BooleanSupplier stop) {
    while (!agenda.isEmpty()) {
      if (stop.getAsBoolean()) {
        return true;
      }
      long t = agenda.peekTime();
      if (t > limit) {
        return false;
      }
      Runnable e = agenda.poll();
      now = t;
      executed++;
      e.run();
    }
    return stop.getAsBoolean();
  }

  /** Events run so far. */
  long executed() {
    return executed;
  }

  int pending() {
    return agenda.size();
  }
}
