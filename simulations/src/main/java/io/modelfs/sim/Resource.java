package io.modelfs.sim;

import java.util.ArrayList;
import java.util.List;

/**
 * One shared capacity in the flow model: a node's upload link, its intake (download link and
 * hashing), its connection to the origin, or the origin's aggregate egress. The flows crossing
 * it share it equally; a flow runs at the smallest share along its path.
 */
final class Resource {
  final String name;
  final double capacity;
  final List<Flow> flows = new ArrayList<>(8);

  /** @param capacity bytes per second, positive; {@link Double#POSITIVE_INFINITY} for none */
  Resource(String name, double capacity) {
    if (!(capacity > 0)) {
      throw new IllegalArgumentException("capacity of " + name + " must be positive, got " + capacity);
    }
    this.name = name;
    this.capacity = capacity;
  }

  double share() {
    return flows.isEmpty() ? capacity : capacity / flows.size();
  }

  @Override
  public String toString() {
    return name + " (" + Units.formatRate(capacity) + ", " + flows.size() + " flows)";
  }
}
