package io.modelfs.agent.metrics;

import java.util.Locale;

/** Where the bytes of a chunk came from; the {@code source} label of the metrics. */
public enum Source {
  /** The node's own chunk store. */
  LOCAL,
  /** Another node of the swarm. */
  PEER,
  /** The object store the model was imported from. */
  ORIGIN;

  /** The label value: {@code local}, {@code peer}, {@code origin}. */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
