package io.modelfs.tracker;

import com.google.protobuf.ByteString;
import io.modelfs.core.Digest;
import io.modelfs.core.ModelRef;
import io.modelfs.core.proto.AckProto;
import io.modelfs.core.proto.AnnounceProto;
import io.modelfs.core.proto.AwaitChunksProto;
import io.modelfs.core.proto.ChunksReplyProto;
import io.modelfs.core.proto.HeartbeatBatchProto;
import io.modelfs.core.proto.HeartbeatProto;
import io.modelfs.core.proto.LeaseReplyProto;
import io.modelfs.core.proto.LeaseRequestProto;
import io.modelfs.core.proto.ManifestReplyProto;
import io.modelfs.core.proto.NeighboursProto;
import io.modelfs.core.proto.NeighboursRequestProto;
import io.modelfs.core.proto.NodeProto;
import io.modelfs.core.proto.PingProto;
import io.modelfs.core.proto.PublishProto;
import io.modelfs.core.proto.RegisterNodeProto;
import io.modelfs.core.proto.ResolvedProto;
import io.modelfs.core.proto.HoldingProto;
import io.modelfs.core.proto.ModelViewProto;
import io.modelfs.core.proto.NodeViewProto;
import io.modelfs.core.proto.SwarmViewProto;
import io.modelfs.core.proto.TagProto;
import io.modelfs.core.proto.TrackerErrorProto;
import io.modelfs.core.proto.TrackerLogEntry;
import io.modelfs.core.proto.TrackerReply;
import io.modelfs.core.proto.TrackerRequest;
import io.modelfs.core.proto.Traffic;
import io.modelfs.schedule.lease.LeasePacing;
import io.modelfs.schedule.lease.LeasePolicy;
import io.modelfs.schedule.lease.LeaseTable;
import java.time.Clock;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * Everything the tracker does, as plain Java: validates durable commands before they enter the
 * log, applies log entries to the {@link SwarmRegistry}, and answers reads from the registry
 * and from the current term's {@link SwarmState}. The Ratis state machine only moves bytes in
 * and out of this class, and unit tests drive it without Ratis.
 *
 * <p>Never throws for bad input: every failure is a {@link TrackerErrorProto} reply naming
 * the thing and the value. Thread-safe: one lock serializes registry access.
 */
final class TrackerCommands {
  private final LeasePolicy policy;
  /** Issue 7: every lease answer tells the node when to ask next, so the fleet's lease requests stay near a budget. */
  private final LeasePacing pacing;
  private final Clock clock;
  private final TrackerCounters counters = new TrackerCounters();
  private SwarmRegistry current;
  private SwarmState soft;
  private long applied;

  TrackerCommands(RegistryLimits limits, LeasePolicy policy, Clock clock) {
    this.current = new SwarmRegistry(limits);
    this.policy = policy;
    this.clock = clock;
    this.pacing = LeasePacing.of(policy);
  }

  /** True for the commands that go through the Raft log. */
  static boolean isDurable(TrackerRequest r) {
    return switch (r.getBodyCase()) {
      case REGISTER, HEARTBEAT, HEARTBEATS, PUBLISH, TAG -> true;
      default -> false;
    };
  }

  /** Checks a durable command against the current state; throws what {@link #apply} would reply. */
  synchronized void validate(TrackerRequest r) throws TrackerException {
    switch (r.getBodyCase()) {
      case REGISTER -> {
        RegisterNodeProto p = r.getRegister();
        current.checkRegister(p.getNodeId(), p.getPeerAddress(), p.getZone());
      }
      case HEARTBEAT -> current.checkHeartbeat(r.getHeartbeat().getNodeId(), digests(r.getHeartbeat().getModelsList()));
      case HEARTBEATS -> checkBatch(r.getHeartbeats());
      case PUBLISH -> {
        PublishProto p = r.getPublish();
        current.checkPublish(ref(p.getRef()), p.getManifest().toByteArray(), p.getSources().toByteArray(),
            p.getSignature().toByteArray());
      }
      case TAG -> current.checkTag(r.getTag().getName(), r.getTag().getTag(), ref(r.getTag().getRef()));
      default -> throw TrackerException.invalid("%s is not a durable tracker command", r.getBodyCase());
    }
  }

  /** Applies one log entry at the time it carries. Deterministic. */
  synchronized TrackerReply apply(TrackerLogEntry entry) {
    long now = entry.getTimeMillis();
    applied++;
    current.expireIfDue(now);
    TrackerRequest r = entry.getCommand();
    try {
      switch (r.getBodyCase()) {
        case REGISTER -> {
          RegisterNodeProto p = r.getRegister();
          current.register(p.getNodeId(), p.getPeerAddress(), p.getZone(), p.getCapacityBytes(), now);
        }
        case HEARTBEAT -> {
          HeartbeatProto p = r.getHeartbeat();
          current.heartbeat(p.getNodeId(), digests(p.getModelsList()), now);
        }
        case HEARTBEATS -> applyBatch(r.getHeartbeats(), now);
        case PUBLISH -> {
          PublishProto p = r.getPublish();
          current.publish(ref(p.getRef()), p.getManifest().toByteArray(), p.getSources().toByteArray(),
              p.getSignature().toByteArray(), now);
        }
        case TAG -> {
          TagProto p = r.getTag();
          current.tag(p.getName(), p.getTag(), ref(p.getRef()), now);
        }
        default -> throw TrackerException.invalid("%s is not a durable tracker command", r.getBodyCase());
      }
      return TrackerReply.newBuilder().setAck(AckProto.getDefaultInstance()).build();
    } catch (TrackerException e) {
      return error(e);
    }
  }

  /** The most heartbeats one HEARTBEATS entry carries (the leader's batches are far smaller). */
  static final int MAX_BATCH = 100_000;

  /**
   * How many soft-state reports (pings carrying announcements) per second the leader budgets
   * for: nodes are asked to report every {@code nodes / REPORT_BUDGET} seconds, at most half a
   * lease TTL (so that reports keep leases alive), and at their own pace below one second.
   */
  static final int REPORT_BUDGET = 200;

  private void checkBatch(HeartbeatBatchProto batch) throws TrackerException {
    if (batch.getHeartbeatsCount() == 0 || batch.getHeartbeatsCount() > MAX_BATCH) {
      throw TrackerException.invalid("a heartbeat batch carries 1 to %d heartbeats, not %d", MAX_BATCH,
          batch.getHeartbeatsCount());
    }
    for (HeartbeatProto h : batch.getHeartbeatsList()) {
      Names.nodeId(h.getNodeId());
      if (h.getModelsCount() > current.maxModels()) {
        throw TrackerException.invalid("node '%s' claims %d models; at most %d", Names.abbreviate(h.getNodeId()),
            h.getModelsCount(), current.maxModels());
      }
      digests(h.getModelsList());
    }
  }

  /**
   * Applies the leader's coalesced heartbeats at the entry's time. A node that expired (or was
   * never known) since the leader queued its heartbeat is skipped: it registers again.
   */
  private void applyBatch(HeartbeatBatchProto batch, long now) throws TrackerException {
    for (HeartbeatProto h : batch.getHeartbeatsList()) {
      if (current.node(h.getNodeId()).isPresent()) {
        current.heartbeat(h.getNodeId(), digests(h.getModelsList()), now);
      }
    }
  }

  /**
   * A heartbeat received on the leader of {@code term} (read-only request): checks it as the log
   * would and counts it as contact in the soft state. The caller then queues it for the next
   * HEARTBEATS entry; throws what the log would refuse.
   */
  synchronized void acceptHeartbeat(HeartbeatProto h, long term) throws TrackerException {
    current.checkHeartbeat(h.getNodeId(), digests(h.getModelsList()));
    List<Runnable> none = new ArrayList<>();
    soft(term, none).ping(h.getNodeId());
    none.forEach(Runnable::run);
  }

  /**
   * The next-ask interval every lease answer carries: {@code nodes / }{@value LeasePacing#DEFAULT_BUDGET}
   * seconds (so the fleet sends about that many lease requests per second whatever its size; 250 ms
   * for 50 nodes, 5 s for 1,000), at most half a lease TTL. All registered nodes count as askers: an
   * upper bound that needs no per-model bookkeeping.
   */
  int leaseIntervalMillis() {
    return (int) pacing.intervalMillis(current.nodes().size());
  }

  /** The report interval the leader asks nodes for now (0: their own); see {@link #REPORT_BUDGET}. */
  private int reportIntervalMillis() {
    long wanted = 1000L * current.nodes().size() / REPORT_BUDGET;
    return wanted < 1000 ? 0 : (int) Math.min(wanted, Math.max(1000, policy.ttlMillis() / 2));
  }

  /**
   * Applies the announcements riding on a ping; each must speak for the pinging node. Those of
   * models this tracker does not hold are skipped.
   */
  private void announceAll(PingProto ping, long term, List<Runnable> completions) throws TrackerException {
    for (AnnounceProto a : ping.getAnnouncesList()) {
      if (!a.getNodeId().isEmpty() && !a.getNodeId().equals(ping.getNodeId())) {
        throw TrackerException.invalid("node '%s' announced for node '%s' in its ping", Names.abbreviate(ping.getNodeId()),
            Names.abbreviate(a.getNodeId()));
      }
      digest(a.getModel());
    }
    for (AnnounceProto a : ping.getAnnouncesList()) {
      ModelRecord m = current.model(digest(a.getModel())).orElse(null);
      if (m == null) {
        continue; // not published here (or expired): nothing to track, and the ping still counts
      }
      completions.addAll(soft(term, completions).announce(ping.getNodeId(), m, a.getBitfield().toByteArray(), a.getFull(),
          a.getHaveList(), a.getDroppedList()));
    }
  }

  /**
   * Answers a read or soft-state request on the leader of {@code term}. A term other than the
   * soft state's starts a new, empty soft state (the old leader's is void).
   */
  CompletableFuture<TrackerReply> read(TrackerRequest r, long term) {
    List<Runnable> completions = new ArrayList<>();
    CompletableFuture<TrackerReply> reply;
    synchronized (this) {
      try {
        reply = readLocked(r, term, completions);
      } catch (TrackerException e) {
        reply = CompletableFuture.completedFuture(error(e));
      }
    }
    completions.forEach(Runnable::run);
    return reply;
  }

  private CompletableFuture<TrackerReply> readLocked(TrackerRequest r, long term, List<Runnable> completions)
      throws TrackerException {
    switch (r.getBodyCase()) {
      case RESOLVE -> {
        Names.tag(r.getResolve().getTag());
        String ref = current.resolve(r.getResolve().getName(), r.getResolve().getTag()).map(ModelRef::toString).orElse("");
        return done(TrackerReply.newBuilder().setResolved(ResolvedProto.newBuilder().setRef(ref)).build());
      }
      case GET_MANIFEST -> {
        ManifestReplyProto.Builder b = ManifestReplyProto.newBuilder();
        current.model(digest(r.getGetManifest().getDigest())).ifPresent(m -> b.setFound(true)
            .setRef(m.ref().toString()).setManifest(ByteString.copyFrom(m.manifest())).setSources(ByteString.copyFrom(m.sources()))
            .setSignature(ByteString.copyFrom(m.signature())));
        return done(TrackerReply.newBuilder().setManifest(b).build());
      }
      case NEIGHBOURS -> {
        NeighboursRequestProto p = r.getNeighbours();
        NodeRecord self = current.requireNode(p.getNodeId());
        Set<String> members = p.getModel().isEmpty() ? Set.of() : soft(term, completions).members(digest(p.getModel()));
        NeighboursProto.Builder b = NeighboursProto.newBuilder();
        for (NodeRecord n : NeighbourPolicy.choose(self, current.nodes(), members, p.getLimit())) {
          b.addNodes(NodeProto.newBuilder().setNodeId(n.id()).setPeerAddress(n.peerAddress()).setZone(n.zone()));
        }
        return done(TrackerReply.newBuilder().setNeighbours(b).setTerm(term).build());
      }
      case ANNOUNCE -> {
        AnnounceProto p = r.getAnnounce();
        current.requireNode(p.getNodeId());
        ModelRecord m = current.requireModel(digest(p.getModel()));
        completions.addAll(soft(term, completions).announce(p.getNodeId(), m, p.getBitfield().toByteArray(), p.getFull(),
            p.getHaveList(), p.getDroppedList()));
        return done(TrackerReply.newBuilder().setAck(AckProto.getDefaultInstance()).setTerm(term)
            .setReportIntervalMillis(reportIntervalMillis()).build());
      }
      case LEASE -> {
        LeaseRequestProto p = r.getLease();
        current.requireNode(p.getNodeId());
        ModelRecord m = current.requireModel(digest(p.getModel()));
        LeaseTable.Decision d = soft(term, completions).lease(p.getNodeId(), m, p.getChunksList(), p.getUnreachableList(),
            p.getReleasedList());
        return done(TrackerReply.newBuilder().setTerm(term).setLeases(LeaseReplyProto.newBuilder()
            .addAllGranted(d.granted()).addAllOnPeers(d.onPeers()).addAllBusy(d.busy())
            .setLeaseMillis(policy.ttlMillis()).setNextAskMillis(leaseIntervalMillis())).build());
      }
      case PING -> {
        current.requireNode(r.getPing().getNodeId());
        announceAll(r.getPing(), term, completions);
        if (r.getPing().hasTraffic()) {
          soft(term, completions).ping(r.getPing().getNodeId(), r.getPing().getTraffic());
        } else {
          soft(term, completions).ping(r.getPing().getNodeId());
        }
        return done(TrackerReply.newBuilder().setAck(AckProto.getDefaultInstance()).setTerm(term)
            .setReportIntervalMillis(reportIntervalMillis()).build());
      }
      case AWAIT -> {
        AwaitChunksProto p = r.getAwait();
        current.requireNode(p.getNodeId());
        ModelRecord m = current.requireModel(digest(p.getModel()));
        return soft(term, completions).await(p.getNodeId(), m, p.getChunksList(), p.getTimeoutMillis())
            .thenApply(chunks -> TrackerReply.newBuilder().setTerm(term)
                .setChunks(ChunksReplyProto.newBuilder().addAllAvailable(chunks)).build());
      }
      case SWARM_VIEW -> {
        return done(TrackerReply.newBuilder().setTerm(term)
            .setSwarmView(swarmView(soft(term, completions), term, r.getSwarmView().getBitfields())).build());
      }
      default -> throw TrackerException.invalid("%s is not a tracker read (send it as a write)", r.getBodyCase());
    }
  }

  /** Every registered node with what this term's soft state knows of it, and every model with its names. */
  private SwarmViewProto swarmView(SwarmState s, long term, boolean bitfields) {
    SwarmViewProto.Builder b = SwarmViewProto.newBuilder().setTerm(term).setNowMillis(s.now())
        .setActiveLeases(s.activeLeases());
    Traffic swarmTraffic = Traffic.getDefaultInstance();
    for (NodeRecord n : current.nodes()) {
      SwarmState.NodeSoftState ns = s.node(n.id());
      NodeViewProto.Builder nb = NodeViewProto.newBuilder()
          .setNode(NodeProto.newBuilder().setNodeId(n.id()).setPeerAddress(n.peerAddress()).setZone(n.zone()))
          .setLastHeartbeatMillis(n.lastHeartbeatMillis()).setLastContactMillis(ns.lastContactMillis())
          .setLeasesHeld(ns.leasesHeld()).setCapacityBytes(n.capacityBytes()).setTraffic(ns.traffic());
      swarmTraffic = TrafficSamples.plus(swarmTraffic, ns.traffic());
      ns.holdings().entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> current.model(e.getKey())
          .ifPresent(m -> nb.addHoldings(holding(m, e.getValue(), bitfields))));
      b.addNodes(nb);
    }
    b.setTraffic(swarmTraffic);
    Map<ModelRef, List<String>> names = new HashMap<>();
    current.names().forEach(nr -> names.computeIfAbsent(nr.ref(), k -> new ArrayList<>()).add(nr.key()));
    for (ModelRecord m : current.models()) {
      b.addModels(ModelViewProto.newBuilder().setRef(m.ref().toString()).setChunkCount(m.chunkCount())
          .addAllNames(names.getOrDefault(m.ref(), List.of())).setHolders(s.members(m.ref().digest()).size()));
    }
    return b.build();
  }

  private static HoldingProto holding(ModelRecord m, BitSet held, boolean bitfield) {
    HoldingProto.Builder h = HoldingProto.newBuilder().setRef(m.ref().toString()).setChunkCount(m.chunkCount())
        .setChunksHeld(held.cardinality());
    if (bitfield) {
      h.setBitfield(ByteString.copyFrom(held.toByteArray()));
    }
    return h.build();
  }

  /** Lease grants and takeovers since this replica started, across terms. */
  TrackerCounters counters() {
    return counters;
  }

  /** Expires leases, silent nodes and waiters of the current soft state. */
  void tick() {
    List<Runnable> completions;
    synchronized (this) {
      completions = soft == null ? List.of() : soft.tick();
    }
    completions.forEach(Runnable::run);
  }

  /** This replica is no longer the leader: its soft state is void. */
  void leadershipLost() {
    List<Runnable> completions;
    synchronized (this) {
      completions = soft == null ? List.of() : soft.close();
      soft = null;
    }
    completions.forEach(Runnable::run);
  }

  synchronized byte[] snapshot() {
    return current.snapshot();
  }

  synchronized void restore(byte[] snapshot, RegistryLimits limits) throws TrackerException {
    current = SwarmRegistry.restore(snapshot, limits);
  }

  /** The registry, for tests and statistics; callers must not keep it across a restore. */
  synchronized SwarmRegistry registry() {
    return current;
  }

  /** How many log entries this replica applied since it started (not counting a loaded snapshot). */
  synchronized long appliedCount() {
    return applied;
  }

  /** The soft state of the current term, or null when not leader. */
  synchronized SwarmState softState() {
    return soft;
  }

  private SwarmState soft(long term, List<Runnable> completions) {
    if (soft == null || soft.term() != term) {
      if (soft != null) {
        completions.addAll(soft.close());
      }
      soft = new SwarmState(term, policy, clock, counters);
    }
    return soft;
  }

  static TrackerReply error(TrackerException e) {
    TrackerErrorProto.Code code = switch (e.code()) {
      case UNKNOWN_NODE -> TrackerErrorProto.Code.UNKNOWN_NODE;
      case UNKNOWN_MODEL -> TrackerErrorProto.Code.UNKNOWN_MODEL;
      case NOT_LEADER, UNAVAILABLE -> TrackerErrorProto.Code.NOT_LEADER;
      case CONFLICT -> TrackerErrorProto.Code.CONFLICT;
      case FORBIDDEN -> TrackerErrorProto.Code.FORBIDDEN;
      case INVALID -> TrackerErrorProto.Code.INVALID;
    };
    return TrackerReply.newBuilder().setError(TrackerErrorProto.newBuilder().setCode(code).setMessage(e.getMessage())).build();
  }

  private static CompletableFuture<TrackerReply> done(TrackerReply r) {
    return CompletableFuture.completedFuture(r);
  }

  private static ModelRef ref(String text) throws TrackerException {
    try {
      return ModelRef.parse(text);
    } catch (IllegalArgumentException e) {
      throw TrackerException.invalid("%s", e.getMessage());
    }
  }

  private static Digest digest(ByteString bytes) throws TrackerException {
    if (bytes.size() != Digest.LENGTH) {
      throw TrackerException.invalid("a model digest has 32 bytes, not %d", bytes.size());
    }
    return Digest.of(bytes.toByteArray());
  }

  private static List<Digest> digests(List<ByteString> list) throws TrackerException {
    List<Digest> out = new ArrayList<>(list.size());
    for (ByteString b : list) {
      out.add(digest(b));
    }
    return out;
  }
}
