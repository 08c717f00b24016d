package io.modelfs.p2p;

import java.net.InetSocketAddress;
import java.time.Duration;
import io.modelfs.core.TlsFiles;
import java.util.regex.Pattern;

/**
 * Settings of one node's swarm endpoint.
 *
 * @param nodeId this node's id on the wire and in logs (1..64 of {@code [A-Za-z0-9._-]})
 * @param listen where to accept peers (port 0 picks a free one)
 * @param key the swarm's shared secret
 * @param version the protocol version offered (the build's {@code Wire.VERSION}; tests offer others)
 * @param maxControlFrame largest control frame body accepted, bytes
 * @param maxChunk largest DATA frame payload accepted or requested, bytes
 * @param uploadSlots chunks uploaded at once, all peers together; with every slot busy, half as
 *     many requests may wait and more are refused BUSY (the requester asks another holder)
 * @param uploadSlotsPerPeer chunks uploaded at once to one peer, so one peer cannot take every slot
 * @param maxQueuedPerPeer requests a peer may have queued or running; more are refused BUSY
 * @param maxConnections connections open at once (in and out); more are closed at accept
 * @param receiveBuffer bytes received but not yet written to the store, per connection, above
 *     which the connection stops reading (backpressure)
 * @param requestTimeout how long a request may go without receiving a byte
 * @param idleTimeout a connection that receives nothing (not even a keepalive) this long is closed
 * @param handshakeTimeout a connection that has not authenticated this long is closed
 * @param announceInterval HAVE and DROPPED are batched and sent this often
 * @param banDuration how long a peer that sent corrupt data is refused
 * @param tls this node's certificate, key and the swarm's CA (mutual TLS on every connection,
 *     the node id checked against the peer's certificate); null: plain TCP, the swarm key only
 * @param uploadBytesPerSecond this node's upload cap, all peers together (0 = none): upload starts
 *     are paced so that bytes sent average at most this rate over any window longer than one chunk
 *     at that rate (a chunk itself goes out at the link's speed)
 */
public record PeerConfig(
    String nodeId,
    InetSocketAddress listen,
    SwarmKey key,
    int version,
    int maxControlFrame,
    int maxChunk,
    int uploadSlots,
    int uploadSlotsPerPeer,
    int maxQueuedPerPeer,
    int maxConnections,
    int receiveBuffer,
    Duration requestTimeout,
    Duration idleTimeout,
    Duration handshakeTimeout,
    Duration announceInterval,
    Duration banDuration,
    TlsFiles tls,
    long uploadBytesPerSecond) {

  private static final Pattern NODE_ID = Pattern.compile("[A-Za-z0-9._-]{1,64}");

  public PeerConfig {
    checkNodeId(nodeId);
    if (listen == null || key == null) {
      throw new IllegalArgumentException("a peer endpoint needs a listen address and a swarm key");
    }
    if (version < Wire.MIN_VERSION || maxControlFrame < 1024 || maxChunk < 1 || uploadSlots < 1
        || uploadSlotsPerPeer < 1 || maxQueuedPerPeer < 1 || maxConnections < 1 || receiveBuffer < 65536
        || uploadBytesPerSecond < 0) {
      throw new IllegalArgumentException("peer config out of range: " + this);
    }
  }

  /** Throws IllegalArgumentException naming {@code id} unless it is a valid node id; returns it. */
  public static String checkNodeId(String id) {
    if (id == null || !NODE_ID.matcher(id).matches()) {
      throw new IllegalArgumentException("node id '" + id + "' must be 1..64 characters of [A-Za-z0-9._-]");
    }
    return id;
  }

  /** Defaults sized for 8 MiB chunks on a 10–100 Gbit/s node. */
  public static PeerConfig of(String nodeId, InetSocketAddress listen, SwarmKey key) {
    return new PeerConfig(nodeId, listen, key, Wire.VERSION, 1 << 20, 64 << 20, 16, 4, 64, 256, 16 << 20,
        Duration.ofSeconds(30), Duration.ofSeconds(60), Duration.ofSeconds(5), Duration.ofMillis(100),
        Duration.ofMinutes(5), null, 0);
  }

  public PeerConfig withVersion(int v) {
    return new PeerConfig(nodeId, listen, key, v, maxControlFrame, maxChunk, uploadSlots, uploadSlotsPerPeer,
        maxQueuedPerPeer, maxConnections, receiveBuffer, requestTimeout, idleTimeout, handshakeTimeout,
        announceInterval, banDuration, tls, uploadBytesPerSecond);
  }

  public PeerConfig withUploadSlots(int total, int perPeer) {
    return new PeerConfig(nodeId, listen, key, version, maxControlFrame, maxChunk, total, perPeer,
        maxQueuedPerPeer, maxConnections, receiveBuffer, requestTimeout, idleTimeout, handshakeTimeout,
        announceInterval, banDuration, tls, uploadBytesPerSecond);
  }

  public PeerConfig withLimits(int maxQueuedPerPeer, int maxConnections) {
    return new PeerConfig(nodeId, listen, key, version, maxControlFrame, maxChunk, uploadSlots, uploadSlotsPerPeer,
        maxQueuedPerPeer, maxConnections, receiveBuffer, requestTimeout, idleTimeout, handshakeTimeout,
        announceInterval, banDuration, tls, uploadBytesPerSecond);
  }

  public PeerConfig withTimeouts(Duration request, Duration idle, Duration handshake) {
    return new PeerConfig(nodeId, listen, key, version, maxControlFrame, maxChunk, uploadSlots, uploadSlotsPerPeer,
        maxQueuedPerPeer, maxConnections, receiveBuffer, request, idle, handshake, announceInterval, banDuration, tls,
        uploadBytesPerSecond);
  }

  public PeerConfig withReceiveBuffer(int bytes) {
    return new PeerConfig(nodeId, listen, key, version, maxControlFrame, maxChunk, uploadSlots, uploadSlotsPerPeer,
        maxQueuedPerPeer, maxConnections, bytes, requestTimeout, idleTimeout, handshakeTimeout, announceInterval,
        banDuration, tls, uploadBytesPerSecond);
  }

  /** Caps this node's uploads at {@code bytesPerSecond}, all peers together (0 = no cap). */
  public PeerConfig withUploadRate(long bytesPerSecond) {
    return new PeerConfig(nodeId, listen, key, version, maxControlFrame, maxChunk, uploadSlots, uploadSlotsPerPeer,
        maxQueuedPerPeer, maxConnections, receiveBuffer, requestTimeout, idleTimeout, handshakeTimeout, announceInterval,
        banDuration, tls, bytesPerSecond);
  }

  /** Mutual TLS with this node's certificate and key and the swarm's CA; null turns it off. */
  public PeerConfig withTls(TlsFiles files) {
    return new PeerConfig(nodeId, listen, key, version, maxControlFrame, maxChunk, uploadSlots, uploadSlotsPerPeer,
        maxQueuedPerPeer, maxConnections, receiveBuffer, requestTimeout, idleTimeout, handshakeTimeout, announceInterval,
        banDuration, files, uploadBytesPerSecond);
  }
}
