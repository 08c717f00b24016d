package io.modelfs.p2p;

import java.net.InetSocketAddress;
import java.util.List;

/**
 * Whoever tells this node which peers to connect to: a static list ({@code --peer}) now, the
 * tracker's neighbour set later. The swarm asks it periodically and connects to the addresses
 * it is not connected to yet.
 *
 * <p>Contract: thread-safe, fast (called on a timer thread), never throws; an empty list means
 * "no neighbours right now".
 */
@FunctionalInterface
public interface PeerDirectory {
  List<InetSocketAddress> neighbours();

  /** A fixed list of addresses. */
  static PeerDirectory of(List<InetSocketAddress> addresses) {
    List<InetSocketAddress> copy = List.copyOf(addresses);
    return () -> copy;
  }
}
