package io.modelfs.tracker;

import io.modelfs.core.Digest;
import java.util.Set;

/** A registered node as the durable registry knows it; times are log times in epoch millis. */
record NodeRecord(String id, String peerAddress, String zone, long capacityBytes, long registeredMillis,
    long lastHeartbeatMillis, Set<Digest> models) {
  NodeRecord {
    models = Set.copyOf(models);
  }

  NodeRecord heartbeat(long now, Set<Digest> held) {
    return new NodeRecord(id, peerAddress, zone, capacityBytes, registeredMillis, now, held);
  }
}
