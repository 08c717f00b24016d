package io.modelfs.tracker;

import io.modelfs.core.Digest;
import io.modelfs.core.ModelRef;
import java.time.Duration;
import java.util.BitSet;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/**
 * What a node or a CLI asks the tracker group. Implementations find the leader, follow it
 * through failovers, and retry with backoff within a bounded time.
 *
 * <p>Error contract: every method throws {@link TrackerException}; code {@code UNAVAILABLE}
 * means no replica answered in time (callers degrade: fetch from the origin, resolve names from
 * other sources), the other codes mean the tracker refused the request and say why.
 * Soft-state methods return the leader's term: when it changes, the caller re-registers and
 * re-announces ({@link TrackerSession} does this). Thread-safe.
 */
public interface TrackerClient extends AutoCloseable {
  /** A node as the tracker hands it out as a neighbour. */
  record Node(String id, String peerAddress, String zone) {}

  /**
   * A manifest and its sources exactly as published, with the manifest's {@code <hex>.sig} bytes
   * (null when it was published unsigned; the caller verifies them, the tracker does not).
   */
  record Published(ModelRef ref, byte[] manifest, byte[] sources, byte[] signature) {
    /** An unsigned publication. */
    public Published(ModelRef ref, byte[] manifest, byte[] sources) {
      this(ref, manifest, sources, null);
    }
  }

  /**
   * The answer to a lease request: fetch {@code granted} from the origin, {@code onPeers} from peers, wait for {@code busy};
   * send the next lease request for the model no sooner than {@code nextAsk} (issue 7: the leader's pace; zero: at once).
   */
  record Leases(List<Integer> granted, List<Integer> onPeers, List<Integer> busy, Duration ttl, long term, Duration nextAsk) {
    /** An answer without a pace. */
    public Leases(List<Integer> granted, List<Integer> onPeers, List<Integer> busy, Duration ttl, long term) {
      this(granted, onPeers, busy, ttl, term, Duration.ZERO);
    }
  }

  // Durable (through the Raft log).

  void register(String nodeId, String peerAddress, String zone, long capacityBytes) throws TrackerException;

  /** The durable heartbeat: the node is alive and holds chunks of these models. */
  void heartbeat(String nodeId, Collection<Digest> models) throws TrackerException;

  /** Publishes an unsigned manifest (or re-publishes sources, keeping a signature published before). */
  default void publish(ModelRef ref, byte[] manifest, byte[] sources) throws TrackerException {
    publish(ref, manifest, sources, null);
  }

  /**
   * Publishes a manifest, its sources and its {@code <hex>.sig} bytes ({@code signature}; null or
   * empty: none, keeping one published before). The tracker stores the signature in its
   * replicated state and serves it with the manifest; it cannot check it (it holds no key).
   */
  void publish(ModelRef ref, byte[] manifest, byte[] sources, byte[] signature) throws TrackerException;

  /** Points {@code name:tag} (tag "latest" when null or empty) at a published model. */
  void tag(String name, String tag, ModelRef ref) throws TrackerException;

  // Reads of durable state.

  Optional<ModelRef> resolve(String name, String tag) throws TrackerException;

  Optional<Published> manifest(Digest digest) throws TrackerException;

  /** Up to {@code limit} (≤ 50) neighbours: holders of {@code model} first, same zone first. */
  List<Node> neighbours(String nodeId, Optional<Digest> model, int limit) throws TrackerException;

  /**
   * The whole swarm as the leader sees it (a read-only query): every registered node with its
   * address, zone, last heartbeat and contact, leases held and chunk counts per model (and each
   * bitfield with {@code bitfields}), and every model with its names. For dashboards; not on any
   * data path.
   */
  io.modelfs.core.proto.SwarmViewProto swarm(boolean bitfields) throws TrackerException;

  // Soft state on the leader; each returns or carries the leader's term.

  /** A soft heartbeat: renews the node's leases. Returns the term. */
  default long ping(String nodeId) throws TrackerException {
    return ping(nodeId, null);
  }

  /**
   * A soft heartbeat that also reports the node's cumulative traffic counters (bytes delivered by
   * source, bytes uploaded; rates are ignored), or nothing when {@code traffic} is null. The
   * leader keeps them as soft state for the swarm view and derives rates from successive pings.
   * Returns the term.
   */
  long ping(String nodeId, io.modelfs.core.proto.Traffic traffic) throws TrackerException;

  /** Replaces what the leader knows this node holds of {@code model}. Returns the term. */
  long announceAll(String nodeId, Digest model, BitSet held, int chunkCount) throws TrackerException;

  /** Adds and removes chunks (HAVE / DROPPED batched by the caller). Returns the term. */
  long announceDelta(String nodeId, Digest model, Collection<Integer> have, Collection<Integer> dropped) throws TrackerException;

  /**
   * What a node announces of one model in a {@link #report}: the whole bitfield ({@code full}
   * non-null, of {@code chunkCount} chunks) or HAVE/DROPPED deltas.
   */
  record Announcement(Digest model, BitSet full, int chunkCount, Collection<Integer> have, Collection<Integer> dropped) {
    public static Announcement full(Digest model, BitSet held, int chunkCount) {
      return new Announcement(model, (BitSet) held.clone(), chunkCount, List.of(), List.of());
    }

    public static Announcement delta(Digest model, Collection<Integer> have, Collection<Integer> dropped) {
      return new Announcement(model, null, 0, List.copyOf(have), List.copyOf(dropped));
    }
  }

  /**
   * The leader's answer to a report: its term, and how often it asks this node to report
   * ({@link Duration#ZERO}: at the node's own pace; it grows with the fleet so that the leader's
   * load stays bounded).
   */
  record ReportReply(long term, Duration interval) {}

  /**
   * A node's report: a soft heartbeat ({@link #ping(String, io.modelfs.core.proto.Traffic)})
   * carrying its announcements since the last report — one request instead of one per model plus
   * a ping. Announcements of models the tracker does not know are ignored. This default sends
   * them one by one (for clients without the combined request).
   */
  default ReportReply report(String nodeId, io.modelfs.core.proto.Traffic traffic, List<Announcement> announcements)
      throws TrackerException {
    for (Announcement a : announcements) {
      if (a.full() != null) {
        announceAll(nodeId, a.model(), a.full(), a.chunkCount());
      } else {
        announceDelta(nodeId, a.model(), a.have(), a.dropped());
      }
    }
    return new ReportReply(ping(nodeId, traffic), Duration.ZERO);
  }

  Leases lease(String nodeId, Digest model, Collection<Integer> chunks, Collection<Integer> released) throws TrackerException;

  /**
   * As {@link #lease(String, Digest, Collection, Collection)}, flagging the chunks of {@code chunks}
   * whose holders this node could not reach for several lease waits: the tracker leases those like
   * free chunks (one node at a time) instead of answering "on a peer". A client that cannot carry
   * the flag (this default) asks without it; the node then keeps waiting for a reachable holder.
   */
  default Leases lease(String nodeId, Digest model, Collection<Integer> chunks, Collection<Integer> unreachable,
      Collection<Integer> released) throws TrackerException {
    return lease(nodeId, model, chunks, released);
  }

  /** Waits up to {@code timeout} (capped by the client) until a peer holds any of {@code chunks}; empty on timeout. */
  List<Integer> await(String nodeId, Digest model, Collection<Integer> chunks, Duration timeout) throws TrackerException;

  @Override
  void close();
}
