package io.modelfs.tracker;

/**
 * How origin leases are handed out: a lease lapses {@code ttlMillis} after its holder was last
 * heard from; at most {@code cap} leases exist at once swarm-wide; a request gets at most
 * {@code batch} new leases unless its node is the only member of the model.
 */
record LeasePolicy(long ttlMillis, int cap, int batch) {
  LeasePolicy {
    if (ttlMillis <= 0 || cap < 1 || batch < 1) {
      throw new IllegalArgumentException("lease policy must be positive: ttl=" + ttlMillis + "ms cap=" + cap + " batch=" + batch);
    }
  }
}
