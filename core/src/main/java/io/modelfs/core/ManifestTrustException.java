package io.modelfs.core;

import java.io.IOException;

/** A manifest that hashes to its ref but that the agent does not trust: unsigned, or its signature does not verify. */
public final class ManifestTrustException extends IOException {
  public ManifestTrustException(String message) {
    super(message);
  }
}
