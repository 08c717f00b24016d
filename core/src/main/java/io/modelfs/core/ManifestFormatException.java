package io.modelfs.core;

import java.io.IOException;

/** Bytes that claim to be a manifest or sources file but are not a valid one. */
public final class ManifestFormatException extends IOException {
  public ManifestFormatException(String message) {
    super(message);
  }

  public ManifestFormatException(String message, Throwable cause) {
    super(message, cause);
  }
}
