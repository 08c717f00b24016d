package io.modelfs.store;

import java.io.IOException;

/**
 * Thrown by a {@link ChunkLoader} whose caller gave the load up (an endgame loser, a stalled
 * source, a closed model): the store discards the partial chunk as after any failed load, but
 * logs it at DEBUG, since nothing went wrong — a fan-out of 16 nodes cancels about a thousand
 * loads, and logging each as a failure buried the real ones.
 */
public class LoadCancelledException extends IOException {
  public LoadCancelledException(String message) {
    super(message);
  }
}
