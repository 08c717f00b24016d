package io.modelfs.schedule.lease;

/**
 * How origin leases are handed out: a lease lapses {@code ttlMillis} after its holder was last
 * heard from; at most {@code cap} leases exist at once swarm-wide; unless its node is the only
 * member of the model, a request gets at most one new lease and a node holds at most {@code batch}
 * (and its share of the cap; see {@link LeaseTable}).
 */
public record LeasePolicy(long ttlMillis, int cap, int batch) {
  /** @throws IllegalArgumentException unless every value is positive */
  public LeasePolicy {
    if (ttlMillis <= 0 || cap < 1 || batch < 1) {
      throw new IllegalArgumentException("lease policy must be positive: ttl=" + ttlMillis + "ms cap=" + cap + " batch=" + batch);
    }
  }
}
