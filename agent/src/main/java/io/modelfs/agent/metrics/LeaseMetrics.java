package io.modelfs.agent.metrics;

import java.time.Duration;

/**
 * What the fetch driver tells the metrics about origin leases (with a tracker): each lease
 * request and its outcome, leases granted, chunks told to wait because another node holds their
 * lease (and how long they waited), and origin fetches made without a lease while a tracker is
 * configured (the per-node fallback when the tracker is unreachable or refuses).
 *
 * <p>Thread-safety: called from the driver's loop and lease threads; must not block or throw.
 */
public interface LeaseMetrics {
  /** Records nothing: for tests and tools that run the driver without an agent. */
  LeaseMetrics NONE = new LeaseMetrics() {
    @Override
    public void requested(Outcome outcome, Duration took) {}

    @Override
    public void granted(int leases) {}

    @Override
    public void waitStarted() {}

    @Override
    public void waitEnded(Duration waited) {}

    @Override
    public void unleasedFallback() {}
  };

  /** How a lease request ended. */
  enum Outcome {
    /** The leader answered (granted, on peers, busy). */
    ANSWERED,
    /** Refused for now (not registered yet, a leader change): asked again later. */
    REFUSED,
    /** No tracker answered, or it cannot lease this model: the scheduler falls back to the origin. */
    UNAVAILABLE;

    String label() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /** One lease request to the tracker took {@code took} and ended as {@code outcome}. */
  void requested(Outcome outcome, Duration took);

  /** The tracker granted {@code leases} origin leases. */
  void granted(int leases);

  /** A chunk was answered "busy" (leased to another node or over the swarm's cap): it waits. */
  void waitStarted();

  /** A waiting chunk was granted, found on peers or arrived after {@code waited}. */
  void waitEnded(Duration waited);

  /** An origin fetch ran without a lease although a tracker is configured. */
  void unleasedFallback();
}
