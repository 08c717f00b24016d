package io.modelfs.tracker;

import io.modelfs.core.TlsFiles;
import java.time.Duration;

/**
 * How patient a {@link TrackerClient} is: each call gives up after {@code callTimeout} (then
 * the caller degrades), a single RPC after {@code requestTimeout}, retrying at most
 * {@code maxAttempts} times with exponential backoff; a long-poll waits at most {@code maxAwait}
 * (less than the RPC timeout, so the poll is not cut by it). With {@code tls} the client speaks
 * mutual TLS to the replicas and signs each request made for a node with the certificate's key
 * (the tracker checks that the certificate names that node); null: plain gRPC.
 */
public record TrackerClientConfig(Duration callTimeout, Duration requestTimeout, int maxAttempts, Duration maxAwait,
    TlsFiles tls) {
  public TrackerClientConfig {
    if (callTimeout.isNegative() || callTimeout.isZero() || requestTimeout.isNegative() || requestTimeout.isZero()
        || maxAttempts < 1 || maxAwait.isNegative() || maxAwait.compareTo(requestTimeout) >= 0) {
      throw new IllegalArgumentException("tracker client settings out of range: call " + callTimeout + ", request "
          + requestTimeout + ", attempts " + maxAttempts + ", await " + maxAwait);
    }
  }

  public static TrackerClientConfig defaults() {
    return new TrackerClientConfig(Duration.ofSeconds(10), Duration.ofSeconds(3), 100, Duration.ofSeconds(2), null);
  }

  public TrackerClientConfig withCallTimeout(Duration v) {
    return new TrackerClientConfig(v, requestTimeout, maxAttempts, maxAwait, tls);
  }

  /** Mutual TLS (and signed node requests) with these files; null turns it off. */
  public TrackerClientConfig withTls(TlsFiles v) {
    return new TrackerClientConfig(callTimeout, requestTimeout, maxAttempts, maxAwait, v);
  }
}
