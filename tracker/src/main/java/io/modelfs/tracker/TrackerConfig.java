package io.modelfs.tracker;

import io.modelfs.core.TlsFiles;
import io.modelfs.schedule.lease.LeasePolicy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * One tracker replica's settings: who it is, its group, where it keeps its log and snapshots,
 * and the policies of the durable registry and the soft state. Immutable; {@link #of} gives
 * the defaults and the {@code with*} methods change one setting.
 *
 * @param nodeTtl a node that has not sent a durable heartbeat for this long is forgotten
 * @param modelTtl a model that no name points to and no live node holds is forgotten after this
 * @param leaseTtl an origin lease lapses this long after its holder was last heard from
 * @param originCap at most this many origin leases exist at once, swarm-wide
 * @param leaseBatch at most this many origin leases held by one node (one new per request), unless the node is the model's only member
 * @param snapshotEvery take a snapshot (and purge the log before it) every this many entries
 * @param logSegmentBytes log segments are closed (and may be purged after a snapshot) at this size
 * @param electionTimeout the Raft election timeout's lower bound; the upper is twice it
 * @param tls this replica's certificate, key and the CA of nodes and replicas: mutual TLS on the
 *     gRPC transport (clients and replicas alike) and node requests must carry a proof signed
 *     with the certificate of the node they speak for; null: plain gRPC, node ids unauthenticated
 */
public record TrackerConfig(
    String id,
    TrackerPeers peers,
    Path dataDir,
    Duration nodeTtl,
    Duration modelTtl,
    Duration leaseTtl,
    int originCap,
    int leaseBatch,
    int maxNodes,
    int maxModels,
    int maxManifestBytes,
    long snapshotEvery,
    long logSegmentBytes,
    Duration electionTimeout,
    TlsFiles tls) {

  public TrackerConfig {
    Objects.requireNonNull(dataDir, "dataDir");
    if (peers.find(id).isEmpty()) {
      throw new IllegalArgumentException("tracker id '" + id + "' is not in the peer list " + peers);
    }
    positive("node TTL", nodeTtl);
    positive("model TTL", modelTtl);
    positive("lease TTL", leaseTtl);
    positive("election timeout", electionTimeout);
    if (originCap < 1 || leaseBatch < 1 || maxNodes < 1 || maxModels < 1 || maxManifestBytes < 1024 || snapshotEvery < 10 || logSegmentBytes < 4096) {
      throw new IllegalArgumentException(String.format(
          "tracker limits out of range: originCap=%d leaseBatch=%d maxNodes=%d maxModels=%d maxManifestBytes=%d snapshotEvery=%d logSegmentBytes=%d",
          originCap, leaseBatch, maxNodes, maxModels, maxManifestBytes, snapshotEvery, logSegmentBytes));
    }
  }

  /** The defaults, sized for a fleet of 1,000 nodes and a few hundred models. */
  public static TrackerConfig of(String id, TrackerPeers peers, Path dataDir) {
    return new TrackerConfig(id, peers, dataDir, Duration.ofMinutes(2), Duration.ofHours(24), Duration.ofSeconds(10),
        64, 4, 10_000, 10_000, 4 << 20, 10_000, 32 << 20, Duration.ofSeconds(1), null);
  }

  public TrackerConfig withNodeTtl(Duration v) {
    return new TrackerConfig(id, peers, dataDir, v, modelTtl, leaseTtl, originCap, leaseBatch, maxNodes, maxModels, maxManifestBytes, snapshotEvery, logSegmentBytes, electionTimeout, tls);
  }

  public TrackerConfig withLeaseTtl(Duration v) {
    return new TrackerConfig(id, peers, dataDir, nodeTtl, modelTtl, v, originCap, leaseBatch, maxNodes, maxModels, maxManifestBytes, snapshotEvery, logSegmentBytes, electionTimeout, tls);
  }

  public TrackerConfig withOriginCap(int v) {
    return new TrackerConfig(id, peers, dataDir, nodeTtl, modelTtl, leaseTtl, v, leaseBatch, maxNodes, maxModels, maxManifestBytes, snapshotEvery, logSegmentBytes, electionTimeout, tls);
  }

  public TrackerConfig withSnapshotEvery(long v) {
    return new TrackerConfig(id, peers, dataDir, nodeTtl, modelTtl, leaseTtl, originCap, leaseBatch, maxNodes, maxModels, maxManifestBytes, v, logSegmentBytes, electionTimeout, tls);
  }

  public TrackerConfig withElectionTimeout(Duration v) {
    return new TrackerConfig(id, peers, dataDir, nodeTtl, modelTtl, leaseTtl, originCap, leaseBatch, maxNodes, maxModels, maxManifestBytes, snapshotEvery, logSegmentBytes, v, tls);
  }

  public TrackerConfig withLogSegmentBytes(long v) {
    return new TrackerConfig(id, peers, dataDir, nodeTtl, modelTtl, leaseTtl, originCap, leaseBatch, maxNodes, maxModels, maxManifestBytes, snapshotEvery, v, electionTimeout, tls);
  }

  /** Mutual TLS with these files; null turns it off. */
  public TrackerConfig withTls(TlsFiles v) {
    return new TrackerConfig(id, peers, dataDir, nodeTtl, modelTtl, leaseTtl, originCap, leaseBatch, maxNodes, maxModels, maxManifestBytes, snapshotEvery, logSegmentBytes, electionTimeout, v);
  }

  RegistryLimits registryLimits() {
    return new RegistryLimits(nodeTtl.toMillis(), modelTtl.toMillis(), maxNodes, maxModels, maxManifestBytes);
  }

  LeasePolicy leasePolicy() {
    return new LeasePolicy(leaseTtl.toMillis(), originCap, leaseBatch);
  }

  private static void positive(String what, Duration d) {
    if (d == null || d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(what + " must be positive, got " + d);
    }
  }
}
