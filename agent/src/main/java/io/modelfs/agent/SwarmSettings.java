package io.modelfs.agent;

import io.modelfs.core.HostPort;
import io.modelfs.core.TlsFiles;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How the agent joins the swarm. With no {@code listen} address the agent runs alone (store,
 * then origin), as before the swarm existed.
 *
 * @param listen the peer port ({@code --listen HOST:PORT}); null: no swarm
 * @param nodeId this node's id among peers (default: the host name)
 * @param swarmKeyFile the shared secret ({@code --swarm-key-file}); required with {@code listen}
 * @param trackers tracker replicas by id ({@code --tracker id1=HOST:PORT,...}), asked for a ref's
 *     manifest before the manifests locations; empty: no tracker
 * @param peers static neighbours ({@code --peer HOST:PORT}, repeatable), dialled and redialled
 * @param zone this node's zone label, registered with the tracker so that it hands out neighbours
 *     in the same zone first ({@code --zone}; empty: none)
 * @param tls this node's certificate, key and the CA ({@code --tls-cert/--tls-key/--tls-ca}):
 *     mutual TLS to peers (the peer's node id checked against its certificate) and to the
 *     tracker (requests signed for this node); null: plain TCP/gRPC, the swarm key only
 */
public record SwarmSettings(
    InetSocketAddress listen, String nodeId, Path swarmKeyFile, Map<String, InetSocketAddress> trackers,
    List<InetSocketAddress> peers, String zone, TlsFiles tls) {

  public SwarmSettings {
    trackers = Map.copyOf(trackers);
    peers = List.copyOf(peers);
    zone = zone == null ? "" : zone.strip();
    if (listen == null && (!peers.isEmpty() || !trackers.isEmpty())) {
      throw new IllegalArgumentException("--peer and --tracker need --listen HOST:PORT (this node's peer port)");
    }
    if (listen != null && swarmKeyFile == null) {
      throw new IllegalArgumentException("--listen needs --swarm-key-file FILE (the swarm's shared secret)");
    }
  }

  /** As below, without TLS. */
  public SwarmSettings(InetSocketAddress listen, String nodeId, Path swarmKeyFile, Map<String, InetSocketAddress> trackers,
      List<InetSocketAddress> peers, String zone) {
    this(listen, nodeId, swarmKeyFile, trackers, peers, zone, null);
  }

  /** The same settings with mutual TLS from {@code files} (null: none). */
  public SwarmSettings withTls(TlsFiles files) {
    return new SwarmSettings(listen, nodeId, swarmKeyFile, trackers, peers, zone, files);
  }

  /** As above, in no zone. */
  public SwarmSettings(InetSocketAddress listen, String nodeId, Path swarmKeyFile, Map<String, InetSocketAddress> trackers,
      List<InetSocketAddress> peers) {
    this(listen, nodeId, swarmKeyFile, trackers, peers, "");
  }

  /** No swarm: the agent reads from its store and the origin only. */
  public static SwarmSettings none() {
    return new SwarmSettings(null, "local", null, Map.of(), List.of());
  }

  public boolean enabled() {
    return listen != null;
  }

  /** Parses {@code HOST:PORT} ({@code [v6]:PORT} too); throws IllegalArgumentException naming the text. */
  public static InetSocketAddress hostPort(String text) {
    return HostPort.parse(text);
  }

  /** Parses {@code id1=HOST:PORT,id2=HOST:PORT}; throws IllegalArgumentException naming the bad entry. */
  public static Map<String, InetSocketAddress> trackerList(String text) {
    Map<String, InetSocketAddress> out = new LinkedHashMap<>();
    if (text == null || text.isBlank()) {
      return out;
    }
    for (String entry : text.split(",")) {
      int eq = entry.indexOf('=');
      if (eq <= 0) {
        throw new IllegalArgumentException("tracker entry '" + entry + "' is not ID=HOST:PORT");
      }
      String id = entry.substring(0, eq).strip();
      if (out.put(id, hostPort(entry.substring(eq + 1).strip())) != null) {
        throw new IllegalArgumentException("tracker id '" + id + "' appears twice in '" + text + "'");
      }
    }
    return out;
  }
}
