package io.modelfs.store;

import io.modelfs.core.Digest;
import java.io.IOException;

/** Bytes loaded for a chunk did not hash to its digest (or had the wrong length); nothing was published. */
public final class ChunkVerificationException extends IOException {
  public ChunkVerificationException(Digest expected, String source, String what) {
    super("chunk " + expected + " from " + source + " failed verification: " + what);
  }
}
