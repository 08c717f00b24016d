package io.modelfs.schedule;

import java.util.Objects;

/** Where chunk bytes come from: a peer (by node id) or the origin. */
public sealed interface Source {
  Source ORIGIN = new Origin();

  static Source peer(String nodeId) {
    return new Peer(nodeId);
  }

  /** A peer, by its node id. */
  record Peer(String id) implements Source {
    public Peer {
      Objects.requireNonNull(id, "peer id");
    }

    @Override
    public String toString() {
      return "peer " + id;
    }
  }

  /** The model's origin (object storage); which binding is the driver's business. */
  record Origin() implements Source {
    @Override
    public String toString() {
      return "origin";
    }
  }
}
