package io.modelfs.tracker;

import com.google.protobuf.InvalidProtocolBufferException;
import io.modelfs.core.proto.TrackerErrorProto;
import io.modelfs.core.proto.TrackerLogEntry;
import io.modelfs.core.proto.TrackerReply;
import io.modelfs.core.proto.TrackerRequest;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.ratis.io.MD5Hash;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftGroupMemberId;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.DivisionInfo;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.raftlog.RaftLog;
import org.apache.ratis.server.storage.FileInfo;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.StateMachineStorage;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.statemachine.impl.SimpleStateMachineStorage;
import org.apache.ratis.statemachine.impl.SingleFileSnapshotInfo;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.util.LifeCycle;
import org.apache.ratis.util.MD5FileUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Ratis adapter of the tracker: parses bytes and delegates to {@link TrackerCommands}.
 *
 * <ul>
 *   <li>{@code startTransaction} (leader only) validates a durable command against the applied
 *       state — a hostile or stale command is refused before it reaches the log — and stamps
 *       the leader's clock into the entry ({@link TrackerLogEntry}).
 *   <li>{@code applyTransaction} (every replica) applies the entry at the time it carries.
 *   <li>{@code query} (leader) answers reads and soft-state requests, tagged with the term.
 *       Durable heartbeats arrive here too: checked, counted as contact, and queued in the
 *       {@link HeartbeatBatcher}, which appends them as one HEARTBEATS entry per interval (only
 *       this replica's private client id may append one) and answers each when it commits.
 *   <li>Snapshots are the registry's bytes in one file with its MD5, as Ratis ships them to a
 *       replica that joins late.
 * </ul>
 * Application errors travel as {@code TrackerReply.error}; nothing but Ratis's own I/O errors
 * escapes.
 */
final class TrackerStateMachine extends BaseStateMachine {
  private static final Logger log = LoggerFactory.getLogger(TrackerStateMachine.class);
  /** A read or soft-state request the leader takes longer than this to answer is logged at WARN. */
  static final long SLOW_QUERY_NANOS = TimeUnit.MILLISECONDS.toNanos(1000);

  private final TrackerConfig config;
  private final Clock clock;
  private final TrackerCommands commands;
  private final SimpleStateMachineStorage storage = new SimpleStateMachineStorage();
  private final ScheduledExecutorService ticker;
  private final TrackerListener listener;
  private volatile RaftServer.Division division;
  private final NodeAuthenticator authenticator;
  /** Who appends the leader's heartbeat batches: only requests from this id may carry HEARTBEATS. */
  private final ClientId batchClient = ClientId.randomId();
  private final AtomicLong batchCalls = new AtomicLong();
  private final HeartbeatBatcher heartbeats = new HeartbeatBatcher(this::appendBatch);

  TrackerStateMachine(TrackerConfig config, Clock clock) {
    this(config, clock, TrackerListener.NONE);
  }

  TrackerStateMachine(TrackerConfig config, Clock clock, TrackerListener listener) {
    this.config = config;
    this.clock = clock;
    this.listener = listener;
    this.commands = new TrackerCommands(config.registryLimits(), config.leasePolicy(), clock);
    this.authenticator = authenticator(config);
    this.ticker = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "tracker-" + config.id() + "-tick");
      t.setDaemon(true);
      return t;
    });
    ticker.scheduleWithFixedDelay(this::tick, 100, 100, TimeUnit.MILLISECONDS);
    ticker.scheduleWithFixedDelay(heartbeats::flush, HeartbeatBatcher.INTERVAL_MILLIS, HeartbeatBatcher.INTERVAL_MILLIS,
        TimeUnit.MILLISECONDS);
  }

  TrackerCommands commands() {
    return commands;
  }

  @Override
  public void initialize(RaftServer server, RaftGroupId groupId, RaftStorage raftStorage) throws IOException {
    super.initialize(server, groupId, raftStorage);
    storage.init(raftStorage);
    load(storage.getLatestSnapshot());
    getLifeCycle().transition(LifeCycle.State.STARTING);
    getLifeCycle().transition(LifeCycle.State.RUNNING);
  }

  /** Ratis pauses the state machine before it installs a snapshot from the leader. */
  @Override
  public synchronized void pause() {
    if (getLifeCycleState() == LifeCycle.State.RUNNING) {
      getLifeCycle().transition(LifeCycle.State.PAUSING);
      getLifeCycle().transition(LifeCycle.State.PAUSED);
    }
  }

  /** After a snapshot was installed: load it and run again. */
  @Override
  public synchronized void reinitialize() throws IOException {
    if (getLifeCycleState() == LifeCycle.State.PAUSED) {
      getLifeCycle().transition(LifeCycle.State.STARTING);
    }
    load(storage.loadLatestSnapshot());
    if (getLifeCycleState() == LifeCycle.State.STARTING) {
      getLifeCycle().transition(LifeCycle.State.RUNNING);
    }
  }

  @Override
  public StateMachineStorage getStateMachineStorage() {
    return storage;
  }

  @Override
  public TransactionContext startTransaction(RaftClientRequest request) throws IOException {
    TransactionContext.Builder b = TransactionContext.newBuilder().setStateMachine(this).setClientRequest(request);
    try {
      TrackerRequest command = TrackerRequest.parseFrom(request.getMessage().getContent().toByteArray());
      if (!TrackerCommands.isDurable(command)) {
        throw TrackerException.invalid("%s is not a durable tracker command", command.getBodyCase());
      }
      if (command.getBodyCase() == TrackerRequest.BodyCase.HEARTBEATS && !batchClient.equals(request.getClientId())) {
        throw TrackerException.invalid("heartbeat batches are appended by the leader itself, not by client %s",
            request.getClientId());
      }
      try {
        authenticator.check(request.getMessage().getContent().toByteArray(), command, clock.millis());
      } catch (TrackerException e) {
        log.warn("tracker {}: refused {} from client {}: {}", config.id(), command.getBodyCase(), request.getClientId(),
            e.getMessage());
        throw e;
      }
      commands.validate(command);
      // The node's proof was checked here, on the leader; the log keeps the command only.
      TrackerLogEntry entry = TrackerLogEntry.newBuilder().setTimeMillis(clock.millis())
          .setCommand(command.toBuilder().clearProof()).build();
      return b.setLogData(ByteString.copyFrom(entry.toByteArray())).build();
    } catch (InvalidProtocolBufferException e) {
      record("MALFORMED", TrackerCommands.error(TrackerException.invalid("malformed")), System.nanoTime());
      return refused(b, TrackerException.invalid("malformed tracker command from client %s: %s", request.getClientId(), e.getMessage()));
    } catch (TrackerException e) {
      record(kindOf(request), TrackerCommands.error(e), System.nanoTime());
      return refused(b, e);
    }
  }

  private static NodeAuthenticator authenticator(TrackerConfig config) {
    if (config.tls() == null) {
      return NodeAuthenticator.OPEN;
    }
    try {
      return NodeAuthenticator.certificates(config.tls());
    } catch (IOException e) {
      throw new IllegalArgumentException("tracker " + config.id() + ": " + e.getMessage(), e);
    }
  }

  private static String kindOf(RaftClientRequest request) {
    try {
      return TrackerRequest.parseFrom(request.getMessage().getContent().toByteArray()).getBodyCase().name();
    } catch (InvalidProtocolBufferException e) {
      return "MALFORMED";
    }
  }

  private static TransactionContext refused(TransactionContext.Builder b, TrackerException e) {
    TransactionContext trx = b.build();
    trx.setException(new IOException(e.code() + ": " + e.getMessage()));
    return trx;
  }

  @Override
  public CompletableFuture<Message> applyTransaction(TransactionContext trx) {
    LogEntryProto entry = trx.getLogEntry();
    TrackerReply reply;
    long started = System.nanoTime();
    String kind = "UNKNOWN";
    synchronized (commands) {
      try {
        TrackerLogEntry logged = TrackerLogEntry.parseFrom(entry.getStateMachineLogEntry().getLogData().toByteArray());
        kind = logged.getCommand().getBodyCase().name();
        reply = commands.apply(logged);
      } catch (InvalidProtocolBufferException e) {
        // Cannot happen for entries this code appended; apply nothing, the same on every replica.
        log.error("tracker {}: log entry {} is not a TrackerLogEntry: {}", config.id(), entry.getIndex(), e.getMessage());
        reply = TrackerCommands.error(TrackerException.invalid("log entry %d is malformed", entry.getIndex()));
      }
      updateLastAppliedTermIndex(entry.getTerm(), entry.getIndex());
    }
    if (trx.getClientRequest() != null) {
      // Only the leader has the client's request: count each write once, on the replica that took it.
      record(kind, reply, started);
    }
    return CompletableFuture.completedFuture(message(reply));
  }

  @Override
  public CompletableFuture<Message> query(Message request) {
    TrackerRequest r;
    try {
      r = TrackerRequest.parseFrom(request.getContent().toByteArray());
    } catch (InvalidProtocolBufferException e) {
      return CompletableFuture.completedFuture(message(TrackerCommands.error(
          TrackerException.invalid("malformed tracker request: %s", e.getMessage()))));
    }
    DivisionInfo info = info();
    if (info == null || !info.isLeader()) {
      return CompletableFuture.completedFuture(message(TrackerCommands.error(new TrackerException(
          TrackerException.Code.NOT_LEADER, "tracker " + config.id() + " is not the leader"))));
    }
    long started = System.nanoTime();
    String kind = r.getBodyCase().name();
    try {
      authenticator.check(request.getContent().toByteArray(), r, clock.millis());
    } catch (TrackerException e) {
      log.warn("tracker {}: refused {}: {}", config.id(), kind, e.getMessage());
      TrackerReply refused = TrackerCommands.error(e);
      record(kind, refused, started);
      return CompletableFuture.completedFuture(message(refused));
    }
    if (r.getBodyCase() == TrackerRequest.BodyCase.HEARTBEAT) {
      return heartbeat(r, info.getCurrentTerm(), started);
    }
    return commands.read(r, info.getCurrentTerm()).thenApply(reply -> {
      record(kind, reply, started);
      answered(kind, r, started);
      if (reply.hasSwarmView()) {
        reply = reply.toBuilder().setSwarmView(reply.getSwarmView().toBuilder().setLeaderId(config.id())).build();
      }
      return message(reply);
    });
  }

  /**
   * Logs how long the leader took for a read or soft-state request, from the state machine's
   * query to its answer: at DEBUG for each one (the fan-out benchmark times LEASE at both ends
   * with it, issue 8), at WARN when it took longer than {@link #SLOW_QUERY_NANOS} — time the
   * asking node also waits, beside the network and its own scheduling. An AWAIT waits by design
   * (a long-poll), so it is never slow.
   */
  private void answered(String kind, TrackerRequest r, long startedNanos) {
    long nanos = System.nanoTime() - startedNanos;
    if (nanos > SLOW_QUERY_NANOS && r.getBodyCase() != TrackerRequest.BodyCase.AWAIT) {
      log.warn("tracker {}: {} of node {} took {} ms to answer", config.id(), kind, NodeAuthenticator.nodeOf(r),
          nanos / 1_000_000);
    } else if (log.isDebugEnabled()) {
      log.debug("tracker {}: {} of node {} answered in {} us", config.id(), kind, NodeAuthenticator.nodeOf(r), nanos / 1000);
    }
  }

  /**
   * A durable heartbeat sent as a read-only request: checked now (a hostile one never waits),
   * then queued for the leader's next HEARTBEATS entry; answered when that entry is committed.
   */
  private CompletableFuture<Message> heartbeat(TrackerRequest r, long term, long started) {
    try {
      commands.acceptHeartbeat(r.getHeartbeat(), term);
    } catch (TrackerException e) {
      TrackerReply refused = TrackerCommands.error(e);
      record("HEARTBEAT", refused, started);
      return CompletableFuture.completedFuture(message(refused));
    }
    return heartbeats.add(r.getHeartbeat()).thenApply(reply -> {
      record("HEARTBEAT", reply, started);
      return message(reply);
    });
  }

  /** Appends a heartbeat batch through this replica; fails (NOT_LEADER) unless it leads. */
  private CompletableFuture<TrackerReply> appendBatch(TrackerRequest batch) {
    RaftServer server;
    try {
      server = getServer().get();
      RaftClientRequest request = RaftClientRequest.newBuilder().setClientId(batchClient).setServerId(getId())
          .setGroupId(getGroupId()).setCallId(batchCalls.incrementAndGet())
          .setMessage(Message.valueOf(ByteString.copyFrom(batch.toByteArray())))
          .setType(RaftClientRequest.writeRequestType()).setTimeoutMs(10_000).build();
      return server.submitClientRequestAsync(request).thenApply(reply -> {
        if (!reply.isSuccess()) {
          return TrackerCommands.error(new TrackerException(TrackerException.Code.NOT_LEADER, "tracker " + config.id()
              + " could not append a heartbeat batch: " + reply.getException()));
        }
        try {
          return TrackerReply.parseFrom(reply.getMessage().getContent().toByteArray());
        } catch (InvalidProtocolBufferException e) {
          return TrackerCommands.error(TrackerException.invalid("heartbeat batch reply is malformed: %s", e.getMessage()));
        }
      });
    } catch (IOException | InterruptedException | java.util.concurrent.ExecutionException e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      return CompletableFuture.completedFuture(TrackerCommands.error(new TrackerException(TrackerException.Code.NOT_LEADER,
          "tracker " + config.id() + " could not append a heartbeat batch: " + e.getMessage())));
    }
  }

  private void record(String kind, TrackerReply reply, long startedNanos) {
    try {
      listener.handled(kind, !reply.hasError(), java.time.Duration.ofNanos(System.nanoTime() - startedNanos));
    } catch (RuntimeException e) {
      log.warn("tracker {}: request listener failed: {}", config.id(), e.toString());
    }
  }

  /** This replica's Raft division, or null while it starts. */
  RaftServer.Division division() {
    info();
    return division;
  }

  @Override
  public void notifyLeaderChanged(RaftGroupMemberId groupMemberId, RaftPeerId newLeaderId) {
    if (!groupMemberId.getPeerId().equals(newLeaderId)) {
      commands.leadershipLost();
      heartbeats.failAll("tracker " + config.id() + " is no longer the leader (now " + newLeaderId + ")");
    }
    log.info("tracker {}: leader is now {}", config.id(), newLeaderId);
  }

  @Override
  public long takeSnapshot() throws IOException {
    byte[] bytes;
    TermIndex last;
    synchronized (commands) {
      bytes = commands.snapshot();
      last = getLastAppliedTermIndex();
    }
    if (last == null || last.getIndex() < 0) {
      return RaftLog.INVALID_LOG_INDEX;
    }
    File file = storage.getSnapshotFile(last.getTerm(), last.getIndex());
    File tmp = new File(file.getPath() + ".tmp");
    Files.write(tmp.toPath(), bytes);
    Files.move(tmp.toPath(), file.toPath(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    MD5Hash md5 = MD5FileUtil.computeAndSaveMd5ForFile(file);
    storage.updateLatestSnapshot(new SingleFileSnapshotInfo(new FileInfo(file.toPath(), md5), last));
    log.info("tracker {}: snapshot at {} ({} bytes)", config.id(), last, bytes.length);
    return last.getIndex();
  }

  private void load(SingleFileSnapshotInfo snapshot) throws IOException {
    if (snapshot == null || !snapshot.getFile().getPath().toFile().exists()) {
      return;
    }
    File file = snapshot.getFile().getPath().toFile();
    if (snapshot.getFile().getFileDigest() != null) {
      MD5FileUtil.verifySavedMD5(file, snapshot.getFile().getFileDigest());
    }
    TermIndex last = SimpleStateMachineStorage.getTermIndexFromSnapshotFile(file);
    synchronized (commands) {
      commands.restore(Files.readAllBytes(file.toPath()), config.registryLimits());
      setLastAppliedTermIndex(last);
    }
    log.info("tracker {}: loaded snapshot {} at {}", config.id(), file.getName(), last);
  }

  @Override
  public void close() throws IOException {
    ticker.shutdownNow();
    commands.leadershipLost();
    heartbeats.failAll("tracker " + config.id() + " is shutting down");
    super.close();
  }

  private void tick() {
    try {
      commands.tick();
    } catch (RuntimeException e) {
      log.error("tracker {}: soft-state tick failed", config.id(), e);
    }
  }

  private DivisionInfo info() {
    try {
      RaftServer.Division d = division;
      if (d == null) {
        d = getServer().get().getDivision(getGroupId());
        division = d;
      }
      return d.getInfo();
    } catch (IOException | InterruptedException | java.util.concurrent.ExecutionException e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      return null;
    }
  }

  private static Message message(TrackerReply reply) {
    return Message.valueOf(ByteString.copyFrom(reply.toByteArray()));
  }

  static boolean isNotLeader(TrackerReply reply) {
    return reply.hasError() && reply.getError().getCode() == TrackerErrorProto.Code.NOT_LEADER;
  }
}
