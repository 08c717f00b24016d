package io.modelfs.sim;

import java.util.Arrays;

/**
 * What one approach (the modelfs swarm, an NFS server, every node on object storage) achieved
 * for one fleet: when each staying node held the whole model (seconds since the start; NaN for
 * one that never finished within the time limit), origin bytes, time series, and for the swarm
 * the simulator's own cost (events, wall time).
 */
public record RunResult(
    String approach,
    int nodes,
    double[] readySeconds,
    double originBytes,
    double modelBytes,
    double lowerBoundSeconds,
    Series originSeries,
    Series throughputSeries,
    long events,
    long wallMillis,
    String notes) {

  public RunResult {
    readySeconds = readySeconds.clone();
    Arrays.sort(readySeconds); // NaN sorts last
  }

  /** Time until every staying node holds the whole model; NaN if one never did. */
  public double allReadySeconds() {
    return readySeconds.length == 0 ? Double.NaN : readySeconds[readySeconds.length - 1];
  }

  public double percentile(double p) {
    if (readySeconds.length == 0) {
      return Double.NaN;
    }
    int i = (int) Math.min(readySeconds.length - 1, Math.max(0, Math.ceil(p * readySeconds.length) - 1));
    return readySeconds[i];
  }

  /** How many staying nodes finished. */
  public int finished() {
    int c = 0;
    for (double r : readySeconds) {
      if (!Double.isNaN(r)) {
        c++;
      }
    }
    return c;
  }

  public double ratioToBound() {
    return allReadySeconds() / lowerBoundSeconds;
  }

  public double originCopies() {
    return originBytes / modelBytes;
  }

  public double[] readySeconds() {
    return readySeconds.clone();
  }
}
