package io.modelfs.tracker;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Counters of the tracker's soft state that outlive a term (a new leader's {@link SwarmState}
 * keeps counting into the same object): origin leases granted, and of those, takeovers — grants
 * of a chunk whose previous lease lapsed because its holder went silent or away. Read by the
 * metrics of {@code modelfs tracker --http}. Thread-safe.
 */
final class TrackerCounters {
  private final AtomicLong grants = new AtomicLong();
  private final AtomicLong takeovers = new AtomicLong();

  void leaseGranted(boolean takeover) {
    grants.incrementAndGet();
    if (takeover) {
      takeovers.incrementAndGet();
    }
  }

  long leaseGrants() {
    return grants.get();
  }

  long leaseTakeovers() {
    return takeovers.get();
  }
}
