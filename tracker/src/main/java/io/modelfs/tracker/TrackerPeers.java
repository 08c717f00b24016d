package io.modelfs.tracker;

import io.modelfs.core.HostPort;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The replicas of a tracker group, as given on the command line: {@code id1=host:port,id2=...}.
 * Trackers take it with {@code --peers}, agents with {@code --tracker}; the order is kept.
 */
public record TrackerPeers(List<Peer> peers) {
  /** One replica: its id and the address of its Raft/client port. */
  public record Peer(String id, String host, int port) {
    public Peer {
      try {
        Names.nodeId(id);
      } catch (TrackerException e) {
        throw new IllegalArgumentException("tracker id: " + e.getMessage());
      }
      if (host == null || host.isEmpty()) {
        throw new IllegalArgumentException("tracker '" + id + "' has no host");
      }
      if (port < 1 || port > 65535) {
        throw new IllegalArgumentException("tracker '" + id + "': port " + port + " is not in 1-65535");
      }
    }

    public String address() {
      return host + ":" + port;
    }

    @Override
    public String toString() {
      return id + "=" + address();
    }
  }

  public TrackerPeers {
    peers = List.copyOf(peers);
    if (peers.isEmpty()) {
      throw new IllegalArgumentException("a tracker group needs at least one replica");
    }
    Set<String> ids = new HashSet<>();
    for (Peer p : peers) {
      if (!ids.add(p.id())) {
        throw new IllegalArgumentException("tracker id '" + p.id() + "' appears twice in " + peers);
      }
    }
  }

  /** Parses {@code id1=host:port,id2=host:port,...}; the message says which entry is wrong. */
  public static TrackerPeers parse(String text) {
    List<Peer> list = new ArrayList<>();
    for (String item : text.split(",", -1)) {
      String entry = item.trim();
      int eq = entry.indexOf('=');
      if (eq <= 0) {
        throw new IllegalArgumentException(
            "tracker peer '" + entry + "' in '" + text + "' is not ID=HOST:PORT (e.g. t1=10.0.0.1:7300)");
      }
      InetSocketAddress a;
      try {
        a = HostPort.parse(entry.substring(eq + 1));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("tracker peer '" + entry + "' in '" + text + "': " + e.getMessage(), e);
      }
      // The host as written ([v6] keeps its brackets, so address() can be pasted back).
      list.add(new Peer(entry.substring(0, eq), entry.substring(eq + 1, entry.lastIndexOf(':')), a.getPort()));
    }
    return new TrackerPeers(list);
  }

  public Optional<Peer> find(String id) {
    return peers.stream().filter(p -> p.id().equals(id)).findFirst();
  }

  @Override
  public String toString() {
    return String.join(",", peers.stream().map(Peer::toString).toList());
  }
}
