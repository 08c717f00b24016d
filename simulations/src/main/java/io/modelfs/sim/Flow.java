package io.modelfs.sim;

/** One transfer in progress through a path of {@link Resource}s; owned by {@link FlowNetwork}. */
final class Flow {
  final Resource[] path;
  final long bytes;
  final boolean fromOrigin;
  final Runnable done;
  /**
   * CPU seconds one byte of this flow costs on a {@linkplain Resource#cpu CPU resource} (the
   * shared host of the validation swarm); 1 where there is none.
   */
  double cpuPerByte = 1;
  /** What the flow carries, for whoever has to clean up after a crash. */
  Object tag;
  double remaining;
  double rate;
  long settledAt;
  /** Its completion event ({@link FlowNetwork}'s): on the agenda from the flow's start until it completes or is cancelled. */
  EventQueue.Keyed completion;
  boolean active = true;

  Flow(Resource[] path, long bytes, boolean fromOrigin, Runnable done) {
    this.path = path;
    this.bytes = bytes;
    this.remaining = bytes;
    this.fromOrigin = fromOrigin;
    this.done = done;
  }

  @Override
  public String toString() {
    return "flow of " + bytes + " bytes" + (tag == null ? "" : " (" + tag + ")") + ", " + (long) remaining + " left";
  }
}
