package io.modelfs.tracker;

import io.modelfs.core.Digest;
import io.modelfs.core.proto.Traffic;
import io.modelfs.schedule.lease.Availability;
import io.modelfs.schedule.lease.LeasePolicy;
import io.modelfs.schedule.lease.LeaseTable;
import java.time.Clock;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * The leader's soft state for one term: availability (who holds which chunks), origin leases,
 * nodes waiting for chunks, and when each node was last heard from. It is never replicated: a
 * new leader starts a new {@code SwarmState} with its own term, and nodes that see the term
 * change re-announce, so it is rebuilt within a heartbeat.
 *
 * <p>Time comes from the injected clock (the leader's own clock is right here: nothing of this
 * is in the log). Nodes silent for {@code 3 × lease TTL} are forgotten, with their holdings and
 * leases. Every method is synchronized; futures of waiters are completed by the caller through
 * the returned {@link Runnable}s, outside the lock.
 */
final class SwarmState {
  static final int MAX_WAITERS = 100_000;
  static final long MAX_WAIT_MILLIS = 60_000;

  private final long term;
  private final Clock clock;
  private final LeasePolicy policy;
  private final Availability availability = new Availability();
  private final LeaseTable leases;
  private final Map<String, Long> lastContact = new HashMap<>();
  private final Map<String, TrafficSamples> traffic = new HashMap<>();
  private final Map<Digest, List<Waiter>> waiters = new HashMap<>();
  private int waiterCount;

  private record Waiter(Set<Integer> chunks, long deadlineMillis, CompletableFuture<List<Integer>> future) {}

  SwarmState(long term, LeasePolicy policy, Clock clock) {
    this(term, policy, clock, new TrackerCounters());
  }

  /** As above, counting lease grants and takeovers into {@code counters}, which outlive the term. */
  SwarmState(long term, LeasePolicy policy, Clock clock, TrackerCounters counters) {
    this.term = term;
    this.policy = policy;
    this.clock = clock;
    this.leases = new LeaseTable(policy, counters::leaseGranted);
  }

  /** What the leader knows of one node this term, for the swarm view. */
  record NodeSoftState(long lastContactMillis, int leasesHeld, Map<Digest, BitSet> holdings, Traffic traffic) {}

  /**
   * The soft state of {@code node}: last contact (0: none this term), leases held, bitfields by
   * model, and its reported traffic with rates (empty if it has not reported this term).
   */
  synchronized NodeSoftState node(String node) {
    TrafficSamples t = traffic.get(node);
    return new NodeSoftState(lastContact.getOrDefault(node, 0L), leases.heldBy(node),
        availability.holdings(node), t == null ? Traffic.getDefaultInstance() : t.current(clock.millis()));
  }

  /** The leader's clock, as the soft state reads it. */
  long now() {
    return clock.millis();
  }

  long term() {
    return term;
  }

  /**
   * Applies an announcement (a full bitfield and/or HAVE/DROPPED deltas). Returns the waiter
   * completions to run outside the lock.
   */
  synchronized List<Runnable> announce(String node, ModelRecord model, byte[] bitfield, boolean full,
      List<Integer> have, List<Integer> dropped) throws TrackerException {
    int count = chunkCount(model);
    BitSet fullBits = null;
    if (full) {
      if (bitfield.length != (count + 7) / 8) {
        throw TrackerException.invalid("bitfield for %s from node '%s' has %d bytes; %d chunks need %d",
            model.ref(), node, bitfield.length, count, (count + 7) / 8);
      }
      fullBits = BitSet.valueOf(bitfield);
      if (fullBits.length() > count) {
        throw TrackerException.invalid("bitfield for %s from node '%s' sets chunk %d; the model has %d chunks",
            model.ref(), node, fullBits.length() - 1, count);
      }
    }
    checkIndices(node, model, count, have);
    checkIndices(node, model, count, dropped);
    long now = touch(node);
    BitSet gained = availability.apply(node, model.ref().digest(), count, fullBits, have, dropped);
    gained.stream().forEach(i -> leases.chunkAppeared(model.ref().digest(), i));
    return wake(model.ref().digest(), gained, now);
  }

  /** Asks for origin leases and/or gives some back. */
  synchronized LeaseTable.Decision lease(String node, ModelRecord model, List<Integer> chunks, List<Integer> released)
      throws TrackerException {
    return lease(node, model, chunks, List.of(), released);
  }

  /**
   * As above; chunks in {@code unreachable} (the node reached no holder of them for several lease
   * waits) are leased like free chunks, one node at a time (see {@link LeaseTable#request}).
   */
  synchronized LeaseTable.Decision lease(String node, ModelRecord model, List<Integer> chunks, List<Integer> unreachable,
      List<Integer> released) throws TrackerException {
    int count = chunkCount(model);
    checkIndices(node, model, count, chunks);
    checkIndices(node, model, count, unreachable);
    checkIndices(node, model, count, released);
    long now = touch(node);
    Digest d = model.ref().digest();
    released.forEach(c -> leases.release(node, d, c));
    availability.apply(node, d, count, null, List.of(), List.of()); // asking makes it a member
    Set<String> members = availability.members(d);
    boolean only = members.isEmpty() || (members.size() == 1 && members.contains(node));
    Set<Integer> cut = unreachable.isEmpty() ? Set.of() : Set.copyOf(unreachable);
    return leases.request(node, d, chunks, cut::contains, only, c -> availability.held(d, c), now);
  }

  /**
   * Waits until a peer holds any of {@code chunks}: completes at once with those held now, or
   * later with those that appeared, or with an empty list after the timeout (see {@link #tick}).
   */
  synchronized CompletableFuture<List<Integer>> await(String node, ModelRecord model, List<Integer> chunks,
      long timeoutMillis) throws TrackerException {
    int count = chunkCount(model);
    checkIndices(node, model, count, chunks);
    long now = touch(node);
    Digest d = model.ref().digest();
    List<Integer> held = chunks.stream().filter(c -> availability.held(d, c)).distinct().toList();
    if (!held.isEmpty() || chunks.isEmpty() || waiterCount >= MAX_WAITERS) {
      return CompletableFuture.completedFuture(held);
    }
    CompletableFuture<List<Integer>> f = new CompletableFuture<>();
    long deadline = now + Math.min(Math.max(timeoutMillis, 1), MAX_WAIT_MILLIS);
    waiters.computeIfAbsent(d, k -> new ArrayList<>()).add(new Waiter(Set.copyOf(chunks), deadline, f));
    waiterCount++;
    return f;
  }

  /** Records contact from a node and renews its leases (a soft heartbeat). */
  synchronized void ping(String node) {
    touch(node);
  }

  /** A soft heartbeat carrying the node's cumulative traffic counters (see {@link TrafficSamples}). */
  synchronized void ping(String node, Traffic counters) {
    long now = touch(node);
    traffic.computeIfAbsent(node, k -> new TrafficSamples()).report(counters, now);
  }

  /**
   * Expires lapsed leases, forgets silent nodes and times out waiters; returns the waiter
   * completions to run outside the lock.
   */
  synchronized List<Runnable> tick() {
    long now = clock.millis();
    leases.expire(now);
    long silent = 3 * policy.ttlMillis();
    Iterator<Map.Entry<String, Long>> it = lastContact.entrySet().iterator();
    while (it.hasNext()) {
      var e = it.next();
      if (now - e.getValue() > silent) {
        availability.removeNode(e.getKey());
        leases.removeNode(e.getKey());
        traffic.remove(e.getKey());
        it.remove();
      }
    }
    List<Runnable> done = new ArrayList<>();
    for (Iterator<List<Waiter>> lists = waiters.values().iterator(); lists.hasNext(); ) {
      List<Waiter> list = lists.next();
      list.removeIf(w -> {
        if (w.deadlineMillis() <= now) {
          done.add(() -> w.future().complete(List.of()));
          waiterCount--;
          return true;
        }
        return false;
      });
      if (list.isEmpty()) {
        lists.remove();
      }
    }
    return done;
  }

  /** The nodes that announced {@code model}. */
  synchronized Set<String> members(Digest model) {
    return availability.members(model);
  }

  synchronized boolean held(Digest model, int chunk) {
    return availability.held(model, chunk);
  }

  synchronized int chunksHeld(String node, Digest model) {
    return availability.count(node, model);
  }

  synchronized String leaseHolder(Digest model, int chunk) {
    return leases.holder(model, chunk);
  }

  synchronized int activeLeases() {
    return leases.active();
  }

  /** Fails every waiter (the term ended); returns the completions. */
  synchronized List<Runnable> close() {
    List<Runnable> done = new ArrayList<>();
    waiters.values().forEach(l -> l.forEach(w -> done.add(() -> w.future().complete(List.of()))));
    waiters.clear();
    waiterCount = 0;
    return done;
  }

  private long touch(String node) {
    long now = clock.millis();
    lastContact.put(node, now);
    leases.renew(node, now);
    return now;
  }

  private List<Runnable> wake(Digest model, BitSet gained, long now) {
    List<Waiter> list = waiters.get(model);
    if (list == null || gained.isEmpty()) {
      return List.of();
    }
    List<Runnable> done = new ArrayList<>();
    list.removeIf(w -> {
      List<Integer> hit = w.chunks().stream().filter(gained::get).sorted().toList();
      if (hit.isEmpty()) {
        return false;
      }
      done.add(() -> w.future().complete(hit));
      waiterCount--;
      return true;
    });
    if (list.isEmpty()) {
      waiters.remove(model);
    }
    return done;
  }

  private static int chunkCount(ModelRecord model) throws TrackerException {
    if (model.chunkCount() > Integer.MAX_VALUE - 64) {
      throw TrackerException.invalid("model %s has %d chunks; the tracker tracks at most %d",
          model.ref(), model.chunkCount(), Integer.MAX_VALUE - 64);
    }
    return (int) model.chunkCount();
  }

  private static void checkIndices(String node, ModelRecord model, int count, List<Integer> chunks) throws TrackerException {
    for (int c : chunks) {
      if (c < 0 || c >= count) {
        throw TrackerException.invalid("chunk %d of %s from node '%s' is out of range: the model has %d chunks",
            Integer.toUnsignedLong(c), model.ref(), node, count);
      }
    }
  }
}
