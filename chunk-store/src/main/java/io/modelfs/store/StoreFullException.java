package io.modelfs.store;

import java.io.IOException;

/**
 * The disk under the store filled up while a chunk was written: nothing was published, the
 * stored chunks are intact, and eviction has run; the message says how much it freed.
 */
public final class StoreFullException extends IOException {
  public StoreFullException(String message, Throwable cause) {
    super(message, cause);
  }
}
