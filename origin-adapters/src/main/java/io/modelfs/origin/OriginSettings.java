package io.modelfs.origin;

import io.modelfs.core.ByteSize;
import java.net.URI;
import java.time.Duration;

/**
 * How to reach the origins under one URI prefix. Holds no secret: {@code credentials} names
 * where the secret comes from (an environment variable, a file, the provider's default chain),
 * so settings can be logged and shown in errors.
 *
 * @param endpoint service endpoint override (S3-compatible store, emulator, Azurite); {@code
 *     null} for the provider's default (for S3, {@code AWS_ENDPOINT_URL[_S3]} is honoured)
 * @param region S3 region; {@code null} for the default chain ({@code AWS_REGION}, profile),
 *     else {@code us-east-1}
 * @param credentials credentials source, see {@link Credentials}
 * @param pathStyle S3 path-style addressing; {@code null} chooses it for an endpoint that is an
 *     IP address or {@code localhost}
 * @param checksumsWhenRequired send and validate S3 flexible checksums only when an operation
 *     requires them (for stores such as s3proxy that answer 501 to the SDK's defaults)
 * @param rateCap bytes per second this process reads from the prefix, 0 for no cap
 * @param partSize a read longer than this is split into ranged requests of this size
 * @param concurrency ranged requests of one read in flight at once
 * @param attempts tries per call before a retryable failure is given up
 * @param retryTime the longest a call keeps retrying
 */
public record OriginSettings(
    URI endpoint,
    String region,
    String credentials,
    Boolean pathStyle,
    boolean checksumsWhenRequired,
    long rateCap,
    long partSize,
    int concurrency,
    int attempts,
    Duration retryTime) {

  /**
   * 8 MiB parts (the agent's chunk size, so a chunk is one request), 8 streams per longer read:
   * the low end of the field's 8–16 × 8–16 MiB advice for multi-GB objects. On loopback with 2
   * busy cores more streams only cost CPU (docs/BENCHMARKS.md, issue #4); per-stream limits of
   * real S3 that reward more streams cannot be measured here.
   */
  public static final long DEFAULT_PART_SIZE = 8L << 20;

  public static final int DEFAULT_CONCURRENCY = 8;

  public OriginSettings {
    if (credentials == null || credentials.isBlank()) {
      credentials = "default";
    }
    if (rateCap < 0) {
      throw new IllegalArgumentException("rate cap must be 0 (none) or positive, got " + rateCap);
    }
    if (partSize < 64 << 10 || partSize > 1L << 30) {
      throw new IllegalArgumentException("part size must be between 64KiB and 1GiB, got " + ByteSize.format(partSize));
    }
    if (concurrency < 1 || concurrency > 256) {
      throw new IllegalArgumentException("concurrency must be between 1 and 256, got " + concurrency);
    }
    if (attempts < 1 || attempts > 100) {
      throw new IllegalArgumentException("attempts must be between 1 and 100, got " + attempts);
    }
    if (retryTime == null || retryTime.isNegative()) {
      throw new IllegalArgumentException("retry time must be zero or positive, got " + retryTime);
    }
  }

  public static OriginSettings defaults() {
    return new OriginSettings(null, null, "default", null, false, 0, DEFAULT_PART_SIZE, DEFAULT_CONCURRENCY, 6,
        Duration.ofSeconds(60));
  }

  public OriginSettings withEndpoint(URI endpoint) {
    return new OriginSettings(endpoint, region, credentials, pathStyle, checksumsWhenRequired, rateCap, partSize,
        concurrency, attempts, retryTime);
  }

  public OriginSettings withCredentials(String credentials) {
    return new OriginSettings(endpoint, region, credentials, pathStyle, checksumsWhenRequired, rateCap, partSize,
        concurrency, attempts, retryTime);
  }

  public OriginSettings withChecksumsWhenRequired(boolean whenRequired) {
    return new OriginSettings(endpoint, region, credentials, pathStyle, whenRequired, rateCap, partSize,
        concurrency, attempts, retryTime);
  }

  public OriginSettings withRateCap(long rateCap) {
    return new OriginSettings(endpoint, region, credentials, pathStyle, checksumsWhenRequired, rateCap, partSize,
        concurrency, attempts, retryTime);
  }

  public OriginSettings withParts(long partSize, int concurrency) {
    return new OriginSettings(endpoint, region, credentials, pathStyle, checksumsWhenRequired, rateCap, partSize,
        concurrency, attempts, retryTime);
  }

  public OriginSettings withRetries(int attempts, Duration retryTime) {
    return new OriginSettings(endpoint, region, credentials, pathStyle, checksumsWhenRequired, rateCap, partSize,
        concurrency, attempts, retryTime);
  }
}
