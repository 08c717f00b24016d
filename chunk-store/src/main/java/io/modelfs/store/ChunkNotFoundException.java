package io.modelfs.store;

import io.modelfs.core.Digest;
import java.io.IOException;

/** The chunk is not published in the store. */
public final class ChunkNotFoundException extends IOException {
  public ChunkNotFoundException(Digest digest) {
    super("chunk " + digest + " is not in the local store");
  }
}
