package io.modelfs.schedule;

/**
 * A fetch command the scheduler issued and has not seen the outcome of.
 *
 * @param leased an origin fetch under this node's tracker lease
 * @param deadline when it counts as stalled (ticker nanos)
 */
record Fetch(Source source, long started, long deadline, boolean leased) {
  boolean fromOrigin() {
    return source instanceof Source.Origin;
  }

  String peer() {
    return source instanceof Source.Peer p ? p.id() : null;
  }
}
