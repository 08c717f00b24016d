package io.modelfs.schedule.lease;

/**
 * How often a node may ask the tracker for origin leases: the leader hands every lease answer a
 * next-ask interval that grows with the number of nodes that may ask, so that the fleet's lease
 * requests stay near {@code budgetPerSecond} whatever its size (as the leader paces reports).
 * Below {@code budgetPerSecond × minMillis / 1000} nodes the interval is {@code minMillis}; it
 * never exceeds {@code maxMillis} (half the lease TTL: a node with leases keeps asking before
 * they could lapse).
 *
 * @param budgetPerSecond lease requests per second the tracker aims to receive from the whole fleet
 * @param minMillis the interval for a small fleet (0 = ask as soon as the previous answer came)
 * @param maxMillis the longest interval handed out
 */
public record LeasePacing(int budgetPerSecond, long minMillis, long maxMillis) {
  /** The tracker's default: 200 requests/s (the tracker bench measured ~4,200/s: 20× headroom). */
  public static final int DEFAULT_BUDGET = 200;

  /** @throws IllegalArgumentException for a budget below 1, a negative minimum or a maximum below it */
  public LeasePacing {
    if (budgetPerSecond < 1 || minMillis < 0 || maxMillis < minMillis) {
      throw new IllegalArgumentException("lease pacing needs budget >= 1 and 0 <= min <= max: budget="
          + budgetPerSecond + " min=" + minMillis + "ms max=" + maxMillis + "ms");
    }
  }

  /** The default budget, no minimum, at most half of {@code policy}'s lease TTL. */
  public static LeasePacing of(LeasePolicy policy) {
    return new LeasePacing(DEFAULT_BUDGET, 0, Math.max(1, policy.ttlMillis() / 2));
  }

  /** The next-ask interval in milliseconds when {@code askers} nodes may ask (negative counts as 0). */
  public long intervalMillis(int askers) {
    long wanted = 1000L * Math.max(0, askers) / budgetPerSecond;
    return Math.min(maxMillis, Math.max(minMillis, wanted));
  }
}
