package io.modelfs.tracker;

import java.io.IOException;

/**
 * A tracker request that failed: refused by the tracker ({@link Code#INVALID},
 * {@link Code#UNKNOWN_NODE}, {@link Code#UNKNOWN_MODEL}, {@link Code#CONFLICT}, {@link Code#FORBIDDEN}:
 * a TLS tracker refused a request for a node its certificate proof does not vouch for) or not answered
 * ({@link Code#UNAVAILABLE}: no replica reachable or no leader within the client's timeout).
 * Callers treat {@code UNAVAILABLE} as "degrade to the origin", the others as bugs or bad input.
 */
public final class TrackerException extends IOException {
  /** Why a request failed. */
  public enum Code { INVALID, UNKNOWN_NODE, UNKNOWN_MODEL, NOT_LEADER, CONFLICT, UNAVAILABLE, FORBIDDEN }

  private final Code code;

  public TrackerException(Code code, String message) {
    super(message);
    this.code = code;
  }

  public TrackerException(Code code, String message, Throwable cause) {
    super(message, cause);
    this.code = code;
  }

  public Code code() {
    return code;
  }

  static TrackerException invalid(String format, Object... args) {
    return new TrackerException(Code.INVALID, String.format(format, args));
  }
}
