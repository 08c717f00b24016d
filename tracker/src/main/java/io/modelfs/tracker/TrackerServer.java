package io.modelfs.tracker;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Clock;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.util.SizeInBytes;
import org.apache.ratis.util.TimeDuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One tracker replica: a Ratis server (gRPC transport) in the fixed modelfs group, with its log
 * and snapshots under {@link TrackerConfig#dataDir()}. Three replicas with the same peer list
 * form a group; a replica restarted on its data directory rejoins and catches up.
 */
public final class TrackerServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(TrackerServer.class);

  /** The one group every modelfs tracker belongs to. */
  static final RaftGroupId GROUP_ID =
      RaftGroupId.valueOf(UUID.nameUUIDFromBytes("modelfs-tracker".getBytes(StandardCharsets.UTF_8)));

  private final TrackerConfig config;
  private final RaftServer server;
  private final TrackerStateMachine stateMachine;

  private TrackerServer(TrackerConfig config, RaftServer server, TrackerStateMachine stateMachine) {
    this.config = config;
    this.server = server;
    this.stateMachine = stateMachine;
  }

  /** Starts the replica; it elects or finds a leader in the background. */
  public static TrackerServer start(TrackerConfig config) throws IOException {
    return start(config, Clock.systemUTC(), TrackerListener.NONE);
  }

  /** As above, telling {@code listener} about every request this replica handles (its metrics). */
  public static TrackerServer start(TrackerConfig config, TrackerListener listener) throws IOException {
    return start(config, Clock.systemUTC(), listener);
  }

  static TrackerServer start(TrackerConfig config, Clock clock) throws IOException {
    return start(config, clock, TrackerListener.NONE);
  }

  static TrackerServer start(TrackerConfig config, Clock clock, TrackerListener listener) throws IOException {
    Files.createDirectories(config.dataDir());
    TrackerPeers.Peer self = config.peers().find(config.id()).orElseThrow();
    RaftProperties p = new RaftProperties();
    RaftServerConfigKeys.setStorageDir(p, List.of(config.dataDir().toFile()));
    GrpcConfigKeys.Server.setPort(p, self.port());
    long election = config.electionTimeout().toMillis();
    RaftServerConfigKeys.Rpc.setTimeoutMin(p, TimeDuration.valueOf(election, TimeUnit.MILLISECONDS));
    RaftServerConfigKeys.Rpc.setTimeoutMax(p, TimeDuration.valueOf(2 * election, TimeUnit.MILLISECONDS));
    RaftServerConfigKeys.Snapshot.setAutoTriggerEnabled(p, true);
    RaftServerConfigKeys.Snapshot.setAutoTriggerThreshold(p, config.snapshotEvery());
    RaftServerConfigKeys.Snapshot.setRetentionFileNum(p, 2);
    RaftServerConfigKeys.Log.setPurgeUptoSnapshotIndex(p, true);
    RaftServerConfigKeys.Log.setPurgeGap(p, 1);
    // A manifest is one entry: buffers must take the largest one allowed, with room to spare.
    SizeInBytes entryRoom = SizeInBytes.valueOf((long) config.maxManifestBytes() + (1 << 20));
    RaftServerConfigKeys.Log.setSegmentSizeMax(p, SizeInBytes.valueOf(config.logSegmentBytes()));
    RaftServerConfigKeys.Log.setWriteBufferSize(p, SizeInBytes.valueOf(entryRoom.getSize() + 1024));
    RaftServerConfigKeys.Log.Appender.setBufferByteLimit(p, entryRoom);
    GrpcConfigKeys.setMessageSizeMax(p, SizeInBytes.valueOf(2 * entryRoom.getSize()));
    RaftServerConfigKeys.Write.setByteLimit(p, SizeInBytes.valueOf(4 * entryRoom.getSize()));

    TrackerStateMachine sm = new TrackerStateMachine(config, clock, listener);
    RaftServer server;
    try {
      server = RaftServer.newBuilder()
          .setServerId(RaftPeerId.valueOf(config.id()))
          .setGroup(group(config.peers()))
          .setProperties(p)
          .setStateMachine(sm)
          .setParameters(TrackerTls.parameters(config.tls()))
          .setOption(RaftStorage.StartupOption.RECOVER)
          .build();
    } catch (IOException | RuntimeException e) {
      sm.close();
      throw new IOException("tracker " + config.id() + " could not open its data in " + config.dataDir() + ": " + e.getMessage(), e);
    }
    try {
      server.start();
    } catch (IOException | RuntimeException e) {
      server.close();
      throw new IOException("tracker " + config.id() + " could not start on port " + self.port() + ": " + e.getMessage(), e);
    }
    log.info("tracker {} started on {} in group {} ({} replicas), data {}", config.id(), self.address(),
        config.peers(), config.peers().peers().size(), config.dataDir());
    return new TrackerServer(config, server, sm);
  }

  static RaftGroup group(TrackerPeers peers) {
    return RaftGroup.valueOf(GROUP_ID, peers.peers().stream()
        .map(x -> RaftPeer.newBuilder().setId(x.id()).setAddress(x.address()).build())
        .toList());
  }

  public TrackerConfig config() {
    return config;
  }

  /** True if this replica is the leader now. */
  public boolean isLeader() {
    try {
      return server.getDivision(GROUP_ID).getInfo().isLeaderReady();
    } catch (IOException e) {
      return false;
    }
  }

  /** The index of the last applied log entry on this replica (for tests and status). */
  public long lastAppliedIndex() {
    try {
      return server.getDivision(GROUP_ID).getInfo().getLastAppliedIndex();
    } catch (IOException e) {
      return -1;
    }
  }

  TrackerCommands commands() {
    return stateMachine.commands();
  }

  /**
   * This replica now, for {@code /metrics}, {@code /readyz} and {@code /api/status}.
   *
   * @param id this replica's id
   * @param role LEADER, FOLLOWER, CANDIDATE, LISTENER or STARTING (not yet in the group)
   * @param leaderId the leader this replica knows of, or null if none
   * @param term the current Raft term
   * @param commitIndex the highest log index known committed
   * @param appliedIndex the highest log index applied to this replica's registry
   * @param nodes registered nodes (durable, on every replica)
   * @param models published models
   * @param names {@code name:tag} entries
   * @param activeLeases origin leases held now (leader only; 0 elsewhere)
   * @param leaseGrants origin leases granted by this replica while leader, since it started
   * @param leaseTakeovers of those, grants of a chunk whose previous lease had lapsed
   */
  public record Status(String id, String role, String leaderId, long term, long commitIndex, long appliedIndex,
      int nodes, int models, int names, int activeLeases, long leaseGrants, long leaseTakeovers) {
    /** Ready to serve: the leader, or a replica that follows a known leader. */
    public boolean ready() {
      return leaderId != null && (role.equals("LEADER") || role.equals("FOLLOWER") || role.equals("LISTENER"));
    }
  }

  /** This replica's role, term, indices and registry counts now; never throws. */
  public Status status() {
    TrackerCommands c = stateMachine.commands();
    int nodes;
    int models;
    int names;
    synchronized (c) {
      SwarmRegistry r = c.registry();
      nodes = r.nodes().size();
      models = r.modelCount();
      names = r.nameCount();
    }
    SwarmState soft = c.softState();
    int leases = soft == null ? 0 : soft.activeLeases();
    String role = "STARTING";
    String leader = null;
    long term = 0;
    long commit = -1;
    long applied = -1;
    RaftServer.Division d = stateMachine.division();
    if (d != null) {
      org.apache.ratis.server.DivisionInfo info = d.getInfo();
      role = info.getCurrentRole().name();
      leader = info.getLeaderId() == null ? null : info.getLeaderId().toString();
      term = info.getCurrentTerm();
      applied = info.getLastAppliedIndex();
      commit = d.getRaftLog().getLastCommittedIndex();
    }
    return new Status(config.id(), role, leader, term, commit, applied, nodes, models, names, leases,
        c.counters().leaseGrants(), c.counters().leaseTakeovers());
  }

  /** Stops the replica; its data directory keeps the log and snapshots. */
  @Override
  public void close() {
    try {
      server.close();
    } catch (IOException e) {
      log.warn("tracker {}: close failed: {}", config.id(), e.toString());
    }
    log.info("tracker {} stopped", config.id());
  }
}
