package io.modelfs.p2p;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's shared swarm state: authenticated sessions by node id, the connection count, bans
 * of peers that sent corrupt data, and the services every session uses (upload slots, the chunk
 * source, the announcer).
 *
 * <p>Thread-safety: concurrent maps; {@link #register} is synchronized so the duplicate-connection
 * rule sees a consistent map.
 */
final class Peers {
  private static final Logger log = LoggerFactory.getLogger(Peers.class);

  private final PeerConfig config;
  private final ChunkSource source;
  private final PeerTls tls;
  private final Clock clock;
  private final UploadQueue uploads;
  private final Announcer announcer = new Announcer();
  private final Map<String, PeerSession> sessions = new ConcurrentHashMap<>();
  private final Map<String, Instant> bannedUntil = new ConcurrentHashMap<>();
  private final AtomicInteger connections = new AtomicInteger();
  private volatile UploadListener uploadListener = UploadListener.NONE;
  private volatile SwarmListener listener = SwarmListener.NONE;

  Peers(PeerConfig config, ChunkSource source, Clock clock, PeerTls tls) {
    this.config = config;
    this.tls = tls;
    this.source = source;
    this.clock = clock;
    this.uploads = new UploadQueue(config.uploadSlots(), config.uploadSlotsPerPeer(), config.uploadBytesPerSecond(),
        System::nanoTime);
  }

  PeerConfig config() {
    return config;
  }

  /** Mutual TLS for every connection, or null for plain TCP. */
  PeerTls tls() {
    return tls;
  }

  ChunkSource source() {
    return source;
  }

  UploadQueue uploads() {
    return uploads;
  }

  UploadListener uploadListener() {
    return uploadListener;
  }

  void uploadListener(UploadListener listener) {
    this.uploadListener = listener == null ? UploadListener.NONE : listener;
  }

  SwarmListener listener() {
    return listener;
  }

  void listener(SwarmListener listener) {
    this.listener = listener == null ? SwarmListener.NONE : listener;
  }

  Announcer announcer() {
    return announcer;
  }

  /** Counts a new connection; false (and nothing counted) if the limit is reached. */
  boolean admit() {
    while (true) {
      int n = connections.get();
      if (n >= config.maxConnections()) {
        return false;
      }
      if (connections.compareAndSet(n, n + 1)) {
        return true;
      }
    }
  }

  void released() {
    connections.decrementAndGet();
  }

  int connectionCount() {
    return connections.get();
  }

  /**
   * Records an authenticated session, or returns a reason to refuse it: the peer is banned, or
   * a connection to it already exists (when both dialled, the one dialled by the lower id wins,
   * which both sides compute alike).
   */
  synchronized String register(PeerSession s) {
    Instant until = bannedUntil.get(s.remoteId());
    if (until != null && clock.instant().isBefore(until)) {
      return "peer " + s.remoteId() + " is banned until " + until + " for sending corrupt data";
    }
    PeerSession old = sessions.get(s.remoteId());
    if (old != null && old.channel().isActive()) {
      if (s.initiator().compareTo(old.initiator()) < 0) {
        log.debug("peer {}: replacing the connection dialled by {} with the one dialled by {}", s.remoteId(),
            old.initiator(), s.initiator());
        old.channel().close();
      } else {
        return "already connected to peer " + s.remoteId();
      }
    }
    sessions.put(s.remoteId(), s);
    return null;
  }

  void disconnected(PeerSession s) {
    boolean wasCurrent = sessions.remove(s.remoteId(), s);
    if (!sessions.containsKey(s.remoteId())) {
      uploads.removePeer(s.remoteId());
      if (wasCurrent) {
        listener.peerLost(s.remoteId());
      }
    }
  }

  PeerSession session(String nodeId) {
    return sessions.get(nodeId);
  }

  List<PeerSession> sessions() {
    return new ArrayList<>(sessions.values());
  }

  /** Closes the peer's connection and refuses it for the ban duration. */
  void ban(String nodeId, String reason) {
    Instant until = clock.instant().plus(config.banDuration());
    bannedUntil.put(nodeId, until);
    log.warn("peer {} banned until {}: {}", nodeId, until, reason);
    PeerSession s = sessions.get(nodeId);
    if (s != null) {
      s.channel().close();
    }
  }

  boolean banned(String nodeId) {
    Instant until = bannedUntil.get(nodeId);
    return until != null && clock.instant().isBefore(until);
  }
}
