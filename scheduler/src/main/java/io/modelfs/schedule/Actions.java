package io.modelfs.schedule;

import io.modelfs.core.Digest;
import java.util.List;

/**
 * The commands the scheduler issues; the driver carries them out (real sockets and origins in the
 * agent, simulated ones in the simulator) and reports the outcome back as events
 * ({@link SwarmScheduler#chunkVerified}, {@link SwarmScheduler#fetchFailed},
 * {@link SwarmScheduler#leaseAnswer}, {@link SwarmScheduler#trackerUnavailable}).
 *
 * <p>Called only from inside a scheduler event method, on the scheduler's thread. An
 * implementation must not block and must not call back into the scheduler synchronously
 * (queue the outcome instead): the scheduler is not re-entrant.
 */
public interface Actions {
  /** Fetch the whole of {@code chunk} from {@code peer}. Exactly one outcome event must follow. */
  void fetchFromPeer(String peer, ChunkId chunk);

  /**
   * Fetch {@code chunk} from the origin. {@code leased} is false only when the tracker is
   * unreachable (or absent) and the scheduler fell back to the origin under its own rate limit.
   * Exactly one outcome event must follow.
   */
  void fetchFromOrigin(ChunkId chunk, boolean leased);

  /**
   * Ask the tracker for origin leases on {@code chunks} of {@code model} and give back
   * {@code released}. Exactly one of leaseAnswer / trackerUnavailable must follow.
   */
  void requestLeases(Digest model, List<Integer> chunks, List<Integer> released);

  /**
   * As above, with {@code unreachable} ⊆ {@code chunks}: chunks a peer holds but this node reached
   * no holder of for {@code FRUITLESS_ROUNDS} lease answers. The tracker leases those like free
   * chunks, one node at a time, so the origin fallback is serialised per chunk. The scheduler always
   * calls this one; a driver that cannot carry the flag (this default) asks without it, and the node
   * keeps waiting for a holder it can reach.
   */
  default void requestLeases(Digest model, List<Integer> chunks, List<Integer> unreachable, List<Integer> released) {
    requestLeases(model, chunks, released);
  }

  /**
   * Abandon an outstanding fetch (endgame duplicate won, a stall, or the model closed). No outcome
   * event is required after it; one may still come and is absorbed if it comes within
   * {@code peerStall} (until then the scheduler does not ask {@code from} for {@code chunk}
   * again, so it cannot be mistaken for a newer fetch's outcome). A {@code chunkVerified} that
   * comes anyway still counts: the chunk is held.
   */
  void cancel(Source from, ChunkId chunk);
}
