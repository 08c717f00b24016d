package io.modelfs.schedule.lease;

import io.modelfs.core.Digest;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.IntPredicate;

/**
 * Origin leases: at most one holder per chunk, at most {@link LeasePolicy#cap()} leases at once,
 * and — unless the node is the model's only member — one new lease per request and at most
 * {@link LeasePolicy#batch()} held by one node. A lease ends when its holder gives it back, when any node announces the chunk, when
 * its holder is gone, or when it lapses {@link LeasePolicy#ttlMillis()} after the holder's last
 * contact, after which another node takes it over. Soft state; times come from the caller
 * (epoch or simulated millis), so the tracker and the simulator make the same decisions.
 *
 * <p>Design note: leases are spread over the nodes that ask. Each node reads the origin through
 * its own connection, so the cap's first copies come out fastest when as many nodes as the cap
 * hold one lease each. Before 2026-11-28 a request got up to {@code batch} new leases: at 1,000
 * nodes the first 16 askers took all 64, four each sharing one 500 MB/s stream — the origin ran
 * at 8 of a possible 32 GB/s and the model's first copies took 17 s instead of ~6 s (issue 9;
 * 1,000 × 140 GB: 1.85× → 1.55× the bound). Now a request gets one new lease, so a burst of
 * first requests spreads over as many nodes; a node that asks again may hold more, up to
 * {@code batch} and to its share of the cap, {@code max(1, ceil(cap / askers))}, where
 * {@code askers} is the number of distinct nodes that asked within the last TTL.
 *
 * <p>Not thread-safe: its owner (the tracker's {@code SwarmState}) serialises access.
 */
public final class LeaseTable {
  /** A chunk of a model. */
  public record Key(Digest model, int chunk) implements Comparable<Key> {
    @Override
    public int compareTo(Key o) {
      int c = model.compareTo(o.model);
      return c != 0 ? c : Integer.compare(chunk, o.chunk);
    }
  }

  private record Lease(String holder, long expiresMillis) {}

  /** What one request got: leases to use, chunks to take from peers, chunks to wait for. */
  public record Decision(List<Integer> granted, List<Integer> onPeers, List<Integer> busy) {}

  /** Told of every lease granted; {@code takeover} if the chunk's previous lease lapsed (its holder went silent or away). */
  @FunctionalInterface
  public interface Listener {
    void granted(boolean takeover);
  }

  /** Lapsed leases remembered so that granting the chunk again counts as a takeover; bounded. */
  private static final int MAX_LAPSED = 100_000;

  private final LeasePolicy policy;
  private final Listener listener;
  private final Map<Key, Lease> leases = new TreeMap<>();
  private final Map<String, Set<Key>> byHolder = new TreeMap<>();
  private final Set<Key> lapsed = new HashSet<>();
  /** Each asking node's last request (millis), and the requests in time order, to count recent askers. */
  private final Map<String, Long> lastAsk = new HashMap<>();
  private final ArrayDeque<Asked> asks = new ArrayDeque<>();

  private record Asked(String node, long millis) {}

  public LeaseTable(LeasePolicy policy) {
    this(policy, takeover -> {});
  }

  /** As above, telling {@code listener} of each grant (the tracker counts grants and takeovers). */
  public LeaseTable(LeasePolicy policy, Listener listener) {
    this.policy = policy;
    this.listener = listener;
  }

  /**
   * A node asks for leases on {@code chunks} of {@code model} at {@code now}: chunks
   * {@code onPeers} says a peer holds need none; chunks it already holds a lease on are granted
   * again; free chunks are granted while the cap and the batch allow; the rest are busy.
   */
  public Decision request(String node, Digest model, List<Integer> chunks, boolean onlyMember, IntPredicate onPeers, long now) {
    return request(node, model, chunks, c -> false, onlyMember, onPeers, now);
  }

  /**
   * As above, except that chunks {@code unreachable} flags (the node could not reach any holder
   * for several lease waits) are leased like free chunks even though a peer holds them: one node
   * at a time gets the lease, the others are told busy and see the chunk appear on a peer they
   * can reach. This keeps the origin fallback of unreachable holders to about one fetch per chunk.
   */
  public Decision request(String node, Digest model, List<Integer> chunks, IntPredicate unreachable, boolean onlyMember,
      IntPredicate onPeers, long now) {
    expire(now);
    renew(node, now);
    int askers = asked(node, now);
    List<Integer> granted = new ArrayList<>();
    List<Integer> peers = new ArrayList<>();
    List<Integer> busy = new ArrayList<>();
    int fresh = 0;
    int batch = onlyMember ? Integer.MAX_VALUE : Math.min(1, Math.min(policy.batch(), share(askers)) - heldBy(node));
    for (int chunk : new LinkedHashSet<>(chunks)) {
      Key key = new Key(model, chunk);
      Lease l = leases.get(key);
      if (onPeers.test(chunk) && !unreachable.test(chunk)) {
        peers.add(chunk);
      } else if (l != null && l.holder().equals(node)) {
        granted.add(chunk);
      } else if (l == null && leases.size() < policy.cap() && fresh < batch) {
        leases.put(key, new Lease(node, now + policy.ttlMillis()));
        byHolder.computeIfAbsent(node, k -> new TreeSet<>()).add(key);
        granted.add(chunk);
        fresh++;
        listener.granted(lapsed.remove(key));
      } else {
        busy.add(chunk);
      }
    }
    return new Decision(granted, peers, busy);
  }

  /** Records {@code node}'s request at {@code now}; returns how many distinct nodes asked within the TTL. */
  private int asked(String node, long now) {
    while (!asks.isEmpty() && asks.peekFirst().millis() <= now - policy.ttlMillis()) {
      Asked old = asks.pollFirst();
      if (Long.valueOf(old.millis()).equals(lastAsk.get(old.node()))) {
        lastAsk.remove(old.node());
      }
    }
    Long before = lastAsk.put(node, now);
    if (before == null || before.longValue() != now) {
      asks.addLast(new Asked(node, now));
    }
    return lastAsk.size();
  }

  /** How many leases one node may hold while {@code askers} nodes ask: the cap shared out, at least one. */
  private int share(int askers) {
    return Math.max(1, (policy.cap() + askers - 1) / Math.max(1, askers));
  }

  /** The holder gives a lease back; a lease held by another node is left alone. */
  public void release(String node, Digest model, int chunk) {
    Key key = new Key(model, chunk);
    Lease l = leases.get(key);
    if (l != null && l.holder().equals(node)) {
      remove(key, l);
    }
  }

  /** The chunk is on a peer now: nobody needs a lease for it. */
  public void chunkAppeared(Digest model, int chunk) {
    Key key = new Key(model, chunk);
    Lease l = leases.get(key);
    if (l != null) {
      remove(key, l);
    }
    lapsed.remove(key);
  }

  /** Extends every lease the node holds: it was just heard from. */
  public void renew(String node, long now) {
    Set<Key> keys = byHolder.get(node);
    if (keys != null) {
      for (Key k : keys) {
        leases.put(k, new Lease(node, now + policy.ttlMillis()));
      }
    }
  }

  /** Drops lapsed leases. */
  public void expire(long now) {
    List<Key> due = new ArrayList<>();
    leases.forEach((k, l) -> {
      if (l.expiresMillis() <= now) {
        due.add(k);
      }
    });
    due.forEach(k -> remove(k, leases.get(k)));
    due.forEach(this::rememberLapsed);
  }

  /** The node is gone: its leases end now (and count as lapsed). */
  public void removeNode(String node) {
    Set<Key> keys = byHolder.remove(node);
    if (keys != null) {
      keys.forEach(leases::remove);
      keys.forEach(this::rememberLapsed);
    }
  }

  /** Leases {@code node} holds now. */
  public int heldBy(String node) {
    Set<Key> keys = byHolder.get(node);
    return keys == null ? 0 : keys.size();
  }

  /** Leases that exist now. */
  public int active() {
    return leases.size();
  }

  /** The holder of a chunk's lease, or null. */
  public String holder(Digest model, int chunk) {
    Lease l = leases.get(new Key(model, chunk));
    return l == null ? null : l.holder();
  }

  private void rememberLapsed(Key key) {
    if (lapsed.size() >= MAX_LAPSED) {
      lapsed.clear(); // a takeover after this many lapses is counted as a plain grant
    }
    lapsed.add(key);
  }

  private void remove(Key key, Lease l) {
    leases.remove(key);
    Set<Key> keys = byHolder.get(l.holder());
    if (keys != null) {
      keys.remove(key);
      if (keys.isEmpty()) {
        byHolder.remove(l.holder());
      }
    }
  }
}
