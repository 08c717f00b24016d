package io.modelfs.tracker;

import io.modelfs.core.proto.HeartbeatBatchProto;
import io.modelfs.core.proto.HeartbeatProto;
import io.modelfs.core.proto.TrackerReply;
import io.modelfs.core.proto.TrackerRequest;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * The leader's heartbeat coalescer: nodes' durable heartbeats arrive as read-only requests, wait
 * here, and go into the Raft log together as one HEARTBEATS entry per {@link #flush} (the state
 * machine flushes every {@link #INTERVAL_MILLIS}, never with a batch still in flight). A node
 * heard twice before a flush is logged once, with its latest models. Each heartbeat's future
 * completes when its batch is committed — so an acknowledged heartbeat is durable, as before —
 * or fails with the batch (NOT_LEADER after a leader change: the node retries on the new leader).
 *
 * <p>Bounded: at most one entry per registered node waits (the leader checked each against the
 * registry), and one batch carries at most {@link #MAX_BATCH_BYTES} of heartbeats; the rest wait
 * for the next. Thread-safe; futures are completed outside the lock.
 */
final class HeartbeatBatcher {
  /** How often the leader appends a batch; a heartbeat waits at most this plus one commit. */
  static final long INTERVAL_MILLIS = 200;
  /** The most heartbeat bytes per log entry (a node holding 10 models is ~360 bytes). */
  static final int MAX_BATCH_BYTES = 1 << 20;

  private final Function<TrackerRequest, CompletableFuture<TrackerReply>> submit;
  private final Map<String, Pending> pending = new LinkedHashMap<>();
  private boolean inFlight;

  private static final class Pending {
    HeartbeatProto heartbeat;
    final List<CompletableFuture<TrackerReply>> waiters = new ArrayList<>();

    Pending(HeartbeatProto heartbeat) {
      this.heartbeat = heartbeat;
    }
  }

  /**
   * @param submit appends a HEARTBEATS request to the log through this replica (as leader) and
   *     completes with the applied entry's reply, or with an error reply or exception
   */
  HeartbeatBatcher(Function<TrackerRequest, CompletableFuture<TrackerReply>> submit) {
    this.submit = submit;
  }

  /** Queues a checked heartbeat; the future completes when its batch is committed (or fails). */
  synchronized CompletableFuture<TrackerReply> add(HeartbeatProto heartbeat) {
    CompletableFuture<TrackerReply> f = new CompletableFuture<>();
    Pending p = pending.get(heartbeat.getNodeId());
    if (p == null) {
      p = new Pending(heartbeat);
      pending.put(heartbeat.getNodeId(), p);
    } else {
      p.heartbeat = heartbeat; // the latest models win
    }
    p.waiters.add(f);
    return f;
  }

  /** Heartbeats waiting for the next batch (for tests and status). */
  synchronized int waiting() {
    return pending.size();
  }

  /** Appends the waiting heartbeats as one batch, unless none wait or a batch is still in flight. */
  void flush() {
    List<CompletableFuture<TrackerReply>> waiters = new ArrayList<>();
    HeartbeatBatchProto.Builder batch = HeartbeatBatchProto.newBuilder();
    synchronized (this) {
      if (inFlight || pending.isEmpty()) {
        return;
      }
      int bytes = 0;
      for (Iterator<Pending> it = pending.values().iterator(); it.hasNext(); ) {
        Pending p = it.next();
        int size = p.heartbeat.getSerializedSize() + 8;
        if (batch.getHeartbeatsCount() > 0 && (bytes + size > MAX_BATCH_BYTES
            || batch.getHeartbeatsCount() >= TrackerCommands.MAX_BATCH)) {
          break;
        }
        bytes += size;
        batch.addHeartbeats(p.heartbeat);
        waiters.addAll(p.waiters);
        it.remove();
      }
      inFlight = true;
    }
    CompletableFuture<TrackerReply> done;
    try {
      done = submit.apply(TrackerRequest.newBuilder().setHeartbeats(batch).build());
    } catch (RuntimeException e) {
      done = CompletableFuture.failedFuture(e);
    }
    done.whenComplete((reply, error) -> {
      synchronized (this) {
        inFlight = false;
      }
      TrackerReply r = error == null ? reply : TrackerCommands.error(new TrackerException(
          TrackerException.Code.NOT_LEADER, "heartbeat batch not committed: " + error.getMessage()));
      waiters.forEach(w -> w.complete(r));
    });
  }

  /** This replica stopped leading: every waiting heartbeat fails with NOT_LEADER (its node retries). */
  void failAll(String why) {
    List<CompletableFuture<TrackerReply>> waiters = new ArrayList<>();
    synchronized (this) {
      pending.values().forEach(p -> waiters.addAll(p.waiters));
      pending.clear();
    }
    TrackerReply r = TrackerCommands.error(new TrackerException(TrackerException.Code.NOT_LEADER, why));
    waiters.forEach(w -> w.complete(r));
  }
}
