package io.modelfs.schedule;

/** The scheduler's clock: monotonic nanoseconds. The agent passes System::nanoTime, the simulator its own time. */
@FunctionalInterface
public interface Ticker {
  long nanos();

  static Ticker system() {
    return System::nanoTime;
  }
}
