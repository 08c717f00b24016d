package io.modelfs.tracker;

import io.modelfs.core.Digest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.IntPredicate;

/**
 * Origin leases: at most one holder per chunk, at most {@link LeasePolicy#cap()} leases at once,
 * at most {@link LeasePolicy#batch()} new ones per request unless the node is the model's only
 * member. A lease ends when its holder gives it back, when any node announces the chunk, when
 * its holder is gone, or when it lapses {@link LeasePolicy#ttlMillis()} after the holder's last
 * contact, after which another node takes it over. Soft state; times come from the caller.
 *
 * <p>Not thread-safe: {@link SwarmState} owns it.
 */
final class LeaseTable {
  record Key(Digest model, int chunk) {}

  private record Lease(String holder, long expiresMillis) {}

  /** What one request got: leases to use, chunks to take from peers, chunks to wait for. */
  record Decision(List<Integer> granted, List<Integer> onPeers, List<Integer> busy) {}

  private final LeasePolicy policy;
  private final Map<Key, Lease> leases = new HashMap<>();
  private final Map<String, Set<Key>> byHolder = new HashMap<>();

  LeaseTable(LeasePolicy policy) {
    this.policy = policy;
  }

  Decision request(String node, Digest model, List<Integer> chunks, boolean onlyMember, IntPredicate onPeers, long now) {
    expire(now);
    renew(node, now);
    List<Integer> granted = new ArrayList<>();
    List<Integer> peers = new ArrayList<>();
    List<Integer> busy = new ArrayList<>();
    int fresh = 0;
    int batch = onlyMember ? Integer.MAX_VALUE : policy.batch();
    for (int chunk : new LinkedHashSet<>(chunks)) {
      Key key = new Key(model, chunk);
      Lease l = leases.get(key);
      if (onPeers.test(chunk)) {
        peers.add(chunk);
      } else if (l != null && l.holder().equals(node)) {
        granted.add(chunk);
      } else if (l == null && leases.size() < policy.cap() && fresh < batch) {
        leases.put(key, new Lease(node, now + policy.ttlMillis()));
        byHolder.computeIfAbsent(node, k -> new HashSet<>()).add(key);
        granted.add(chunk);
        fresh++;
      } else {
        busy.add(chunk);
      }
    }
    return new Decision(granted, peers, busy);
  }

  /** The holder gives a lease back; a lease held by another node is left alone. */
  void release(String node, Digest model, int chunk) {
    Key key = new Key(model, chunk);
    Lease l = leases.get(key);
    if (l != null && l.holder().equals(node)) {
      remove(key, l);
    }
  }

  /** The chunk is on a peer now: nobody needs a lease for it. */
  void chunkAppeared(Digest model, int chunk) {
    Key key = new Key(model, chunk);
    Lease l = leases.get(key);
    if (l != null) {
      remove(key, l);
    }
  }

  /** Extends every lease the node holds: it was just heard from. */
  void renew(String node, long now) {
    Set<Key> keys = byHolder.get(node);
    if (keys != null) {
      for (Key k : keys) {
        leases.put(k, new Lease(node, now + policy.ttlMillis()));
      }
    }
  }

  /** Drops lapsed leases. */
  void expire(long now) {
    List<Key> lapsed = new ArrayList<>();
    leases.forEach((k, l) -> {
      if (l.expiresMillis() <= now) {
        lapsed.add(k);
      }
    });
    lapsed.forEach(k -> remove(k, leases.get(k)));
  }

  void removeNode(String node) {
    Set<Key> keys = byHolder.remove(node);
    if (keys != null) {
      keys.forEach(leases::remove);
    }
  }

  int active() {
    return leases.size();
  }

  /** The holder of a chunk's lease, or null. */
  String holder(Digest model, int chunk) {
    Lease l = leases.get(new Key(model, chunk));
    return l == null ? null : l.holder();
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
