package io.modelfs.agent;

import io.modelfs.core.Digest;
import io.modelfs.core.proto.Traffic;
import io.modelfs.tracker.TrackerClient;
import io.modelfs.tracker.TrackerSession;
import java.time.Duration;
import java.util.BitSet;
import java.util.Collection;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * This node's standing with the tracker, for an agent started with {@code --tracker} and
 * {@code --listen}: a {@link TrackerSession} (registration with node id, peer address, zone and
 * store capacity; heartbeats; holdings, HAVE and DROPPED batched; everything re-announced when
 * the leader's term changes) and the tracker's neighbour lists ({@link TrackerNeighbours}) that
 * the swarm dials beside the static {@code --peer}s.
 *
 * <p>Thread-safety: every method may be called from any thread; nothing blocks on the tracker.
 */
final class TrackerLink implements AutoCloseable {
  /** How often the neighbour lists are asked for again. */
  static final Duration NEIGHBOURS_EVERY = Duration.ofSeconds(2);

  private final TrackerClient client;
  private final TrackerSession session;
  private final TrackerNeighbours neighbours;
  private final AtomicReference<Supplier<Traffic>> traffic;

  private TrackerLink(TrackerClient client, TrackerSession session, TrackerNeighbours neighbours,
      AtomicReference<Supplier<Traffic>> traffic) {
    this.client = client;
    this.session = session;
    this.neighbours = neighbours;
    this.traffic = traffic;
  }

  /** Registers in the background and starts asking for neighbours of {@code served} models. */
  static TrackerLink start(TrackerClient client, TrackerSession.Identity self, Supplier<Collection<Digest>> served) {
    AtomicReference<Supplier<Traffic>> traffic = new AtomicReference<>(() -> null);
    TrackerSession session = TrackerSession.start(client, self, TrackerSession.Timing.defaults(), () -> traffic.get().get());
    return new TrackerLink(client, session, new TrackerNeighbours(client, self.nodeId(), served, NEIGHBOURS_EVERY,
        session::leaderInterval),
        traffic);
  }

  /**
   * Reports {@code counters} (this node's cumulative traffic, read on the session's thread; must
   * not block) to the tracker leader with every ping, as soft state for the swarm's throughput.
   */
  void reportTraffic(Supplier<Traffic> counters) {
    traffic.set(counters);
  }

  TrackerClient client() {
    return client;
  }

  TrackerNeighbours neighbours() {
    return neighbours;
  }

  String nodeId() {
    return session.nodeId();
  }

  /** True if the last call to the tracker got through. */
  boolean connected() {
    return session.connected();
  }

  void holding(Digest model, int chunkCount, BitSet held) {
    session.holding(model, chunkCount, held);
    neighbours.refreshSoon();
  }

  void have(Digest model, int index) {
    session.have(model, index);
  }

  void dropped(Digest model, int index) {
    session.dropped(model, index);
  }

  /** Stops the session and the neighbour refresh; the client stays open (the catalog owns it). */
  @Override
  public void close() {
    neighbours.close();
    session.close();
  }
}
