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

  /** A manifest and its sources exactly as published. */
  record Published(ModelRef ref, byte[] manifest, byte[] sources) {}

  /** The answer to a lease request: fetch {@code granted} from the origin, {@code onPeers} from peers, wait for {@code busy}. */
  record Leases(List<Integer> granted, List<Integer> onPeers, List<Integer> busy, Duration ttl, long term) {}

  // Durable (through the Raft log).

  void register(String nodeId, String peerAddress, String zone, long capacityBytes) throws TrackerException;

  /** The durable heartbeat: the node is alive and holds chunks of these models. */
  void heartbeat(String nodeId, Collection<Digest> models) throws TrackerException;

  void publish(ModelRef ref, byte[] manifest, byte[] sources) throws TrackerException;

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
  long ping(String nodeId) throws TrackerException;

  /** Replaces what the leader knows this node holds of {@code model}. Returns the term. */
  long announceAll(String nodeId, Digest model, BitSet held, int chunkCount) throws TrackerException;

  /** Adds and removes chunks (HAVE / DROPPED batched by the caller). Returns the term. */
  long announceDelta(String nodeId, Digest model, Collection<Integer> have, Collection<Integer> dropped) throws TrackerException;

  Leases lease(String nodeId, Digest model, Collection<Integer> chunks, Collection<Integer> released) throws TrackerException;

  /** Waits up to {@code timeout} (capped by the client) until a peer holds any of {@code chunks}; empty on timeout. */
  List<Integer> await(String nodeId, Digest model, Collection<Integer> chunks, Duration timeout) throws TrackerException;

  @Override
  void close();
}
