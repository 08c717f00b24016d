package io.modelfs.schedule;

import io.modelfs.core.Digest;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * What the scheduler knows of one open model: chunk sizes, what this node holds, how many
 * connected peers hold each chunk, the wants not yet satisfied (prefetch ones queued here,
 * rarest first) and this node's dealings with the tracker for it (leases held, to give back, the
 * request in flight).
 */
final class ModelState {
  final Digest digest;
  private final long[] sizes;
  final BitSet held;
  /** Connected peers holding each chunk. */
  final int[] peersHolding;
  /** Index → want; looked up only, never iterated for decisions. */
  final Map<Integer, Want> wants = new HashMap<>();
  /**
   * Queued prefetch wants a pass must try, rarest first; the others sleep in {@link #sleeping}
   * (issue 9: at 10,000 nodes the walk over every queued want after every event was most of the
   * simulator's CPU, and nearly every want it tried was still blocked).
   */
  final TreeSet<Want> ready = new TreeSet<>(Want.RAREST_FIRST);
  /** When sleeping wants wake (those only an event wakes are not in it). */
  final Sleepers sleeping = new Sleepers();
  /** Sleeping wants that wake when the model may send a lease request ({@link Want#wakeOnAsk}); may hold awake ones. */
  final List<Want> askSleepers = new ArrayList<>();
  /** Origin leases this node holds for chunks it has not verified yet. */
  final TreeSet<Integer> leases = new TreeSet<>();
  /** Leases to give back with the next request. */
  final TreeSet<Integer> toRelease = new TreeSet<>();
  /** The chunks of the lease request in flight, or null. */
  List<Integer> asking;
  long askDeadline;
  /** The tracker's pace (issue 7): no lease request for this model before this time. */
  long askNotBefore = Long.MIN_VALUE;
  /** Whether the tracker's last answer set a pace (then requests gather larger batches). */
  boolean paced;
  /** Chunks gathered for the next lease request during one pass. */
  final List<Integer> batch = new ArrayList<>();

  /** {@code Mix.prefix(digest.hex())}, for each want's tie-break hash. */
  final long hexHash;

  ModelState(Digest digest, long[] sizes, BitSet held) {
    this.digest = digest;
    this.hexHash = Mix.prefix(digest.hex());
    this.sizes = sizes.clone();
    this.held = (BitSet) held.clone();
    this.peersHolding = new int[sizes.length];
  }

  int chunkCount() {
    return sizes.length;
  }

  long size(int index) {
    return sizes[index];
  }

  ChunkId chunk(int index) {
    return new ChunkId(digest, index);
  }

  void checkIndex(int index, String what) {
    if (index >= sizes.length) {
      throw new IllegalArgumentException(what + ": chunk " + index + " is out of range for model "
          + digest.shortHex() + ", which has " + sizes.length + " chunks");
    }
  }
}
