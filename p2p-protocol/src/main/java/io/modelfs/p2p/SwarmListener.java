package io.modelfs.p2p;

import io.modelfs.core.Digest;
import java.util.BitSet;
import java.util.List;

/**
 * What the swarm tells the node's fetch scheduler: peers coming and going, and what each holds
 * (BITFIELD, HAVE, DROPPED as they arrive, per model and model-wide chunk index).
 *
 * <p>Contract: called on Netty event-loop threads, in order per peer; must not block and must
 * not throw (hand the event to another thread). A peer replaced by a second connection to it is
 * not reported lost; a banned peer is reported lost when its connection closes.
 */
public interface SwarmListener {
  SwarmListener NONE = new SwarmListener() {};

  /** A peer authenticated; its bitfields follow. */
  default void peerConnected(String peer) {}

  /** The last connection to a peer closed. */
  default void peerLost(String peer) {}

  /** A peer's full holdings of {@code model} (replacing what it said before). */
  default void bitfield(String peer, Digest model, BitSet held) {}

  /** A peer announced chunks of {@code model} (HAVE). */
  default void have(String peer, Digest model, List<Integer> chunks) {}

  /** A peer no longer holds chunks of {@code model} (DROPPED). */
  default void dropped(String peer, Digest model, List<Integer> chunks) {}
}
