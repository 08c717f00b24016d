package io.modelfs.tracker;

/** Creates {@link TrackerClient}s. */
public final class TrackerClients {
  private TrackerClients() {}

  /** A client of the group {@code peers}; connects lazily, so it never fails to construct for an unreachable group. */
  public static TrackerClient connect(TrackerPeers peers, TrackerClientConfig config) {
    return new RatisTrackerClient(peers, config);
  }

  public static TrackerClient connect(TrackerPeers peers) {
    return connect(peers, TrackerClientConfig.defaults());
  }
}
