package io.modelfs.sim;

import java.util.ArrayList;
import java.util.List;

/**
 * One shared capacity in the flow model: a node's upload link, its intake (download link and
 * hashing), its connection to the origin, or the origin's aggregate egress. The flows crossing
 * it share it equally; a flow runs at the smallest share along its path. A {@link #cpu} resource
 * (the one machine the in-process validation swarm shares) is CPU seconds per second, split
 * equally among its flows as threads share cores; a flow's rate through it is its share divided
 * by the flow's {@link Flow#cpuPerByte}.
 */
final class Resource {
  final String name;
  final double capacity;
  /** Capacity is CPU seconds per second (cores), not bytes per second. */
  final boolean cpu;
  final List<Flow> flows = new ArrayList<>(8);

  /** @param capacity bytes per second, positive; {@link Double#POSITIVE_INFINITY} for none */
  Resource(String name, double capacity) {
    this(name, capacity, false);
  }

  /** @param cpu true: {@code capacity} is cores (CPU seconds per second), see {@link Flow#cpuPerByte} */
  Resource(String name, double capacity, boolean cpu) {
    if (!(capacity > 0)) {
      throw new IllegalArgumentException("capacity of " + name + " must be positive, got " + capacity);
    }
    this.name = name;
    this.capacity = capacity;
    this.cpu = cpu;
  }

  double share() {
    return flows.isEmpty() ? capacity : capacity / flows.size();
  }

  @Override
  public String toString() {
    return name + " (" + (cpu ? capacity + " cores" : Units.formatRate(capacity)) + ", " + flows.size() + " flows)";
  }
}
