package io.modelfs.origin;

import java.io.IOException;
import java.net.URI;

/** A failure of an {@link Origin} call; the subtype says what kind, {@link #uri()} says where. */
public abstract sealed class OriginException extends IOException {
  private final URI uri;

  OriginException(URI uri, String message, Throwable cause) {
    super(message, cause);
    this.uri = uri;
  }

  public URI uri() {
    return uri;
  }

  /** Worth retrying: the same call may succeed later. */
  public boolean retryable() {
    return this instanceof Transient || this instanceof Throttled;
  }

  /** The object does not exist. */
  public static final class NotFound extends OriginException {
    public NotFound(URI uri) {
      super(uri, uri + " does not exist", null);
    }
  }

  /** The credentials in use may not do this. */
  public static final class AccessDenied extends OriginException {
    public AccessDenied(URI uri, Throwable cause) {
      super(uri, "access to " + uri + " was denied; check the credentials configured for this origin", cause);
    }
  }

  /** The object is not the version recorded at import: re-import the model, or restore the object. */
  public static final class Changed extends OriginException {
    public Changed(URI uri, String expected, String actual) {
      super(uri, uri + " changed since import (version " + expected + " was imported, the origin now has "
          + actual + "); re-import the model or restore the object", null);
    }
  }

  /**
   * The origin asked us to slow down (HTTP 503 SlowDown, 429 Too Many Requests): retry later,
   * with more patience than for a {@link Transient} failure.
   */
  public static final class Throttled extends OriginException {
    public Throttled(URI uri, String what, Throwable cause) {
      super(uri, "throttled by the origin (" + what + ") reading " + uri, cause);
    }
  }

  /** An I/O failure, time-out, server error or a connection cut mid-stream that may pass. */
  public static final class Transient extends OriginException {
    public Transient(URI uri, String what, Throwable cause) {
      super(uri, what + " reading " + uri, cause);
    }
  }

  /** A failure that will not pass by retrying: a bad request, an unsupported origin. */
  public static final class Permanent extends OriginException {
    public Permanent(URI uri, String what, Throwable cause) {
      super(uri, what + ": " + uri, cause);
    }
  }
}
