package io.modelfs.sim;

import io.modelfs.schedule.SwarmScheduler;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One simulated machine: its links (upload, intake = download capped by hashing, its stream to
 * the origin), its store (a bitfield: the simulator moves no bytes), its connections, its
 * outstanding transfers and its scheduler — the agent's own. Mutable state owned by
 * {@link SwarmRun}'s single thread.
 */
final class SimNode {
  /** A fetch the scheduler commanded that has not produced an outcome yet. */
  static final class Transfer {
    final SimNode to;
    final SimNode from; // null: the origin
    final int chunk;
    Flow flow;
    boolean cancelled;
    /** Holds one of the sender's upload slots (see {@link UploadSlots}). */
    boolean uploading;

    Transfer(SimNode to, SimNode from, int chunk) {
      this.to = to;
      this.from = from;
      this.chunk = chunk;
    }

    long key() {
      return SimNode.key(chunk, from);
    }
  }

  final int index;
  final String id;
  final Resource up;
  final Resource intake;
  final Resource originLink;
  final BitSet held = new BitSet();
  final List<SimNode> neighbours = new ArrayList<>();
  final Map<Long, Transfer> transfers = new HashMap<>();
  /** This node's peer server: requests from peers wait here for an upload slot. */
  final UploadSlots uploads;
  SwarmScheduler scheduler;
  int heldCount;
  boolean alive;
  long doneAt = -1;
  long tickAt = Long.MAX_VALUE;
  long nextOriginRequestAt;
  long originBytes;
  long peerBytes;

  SimNode(int index, double intake, double up, double originPerNode, UploadSlots uploads) {
    this.index = index;
    this.uploads = uploads;
    this.id = "n" + index;
    this.up = new Resource(id + " up", up);
    this.intake = new Resource(id + " intake", intake);
    this.originLink = new Resource(id + " origin stream", originPerNode);
  }

  static long key(int chunk, SimNode from) {
    return ((long) chunk << 24) | (from == null ? 0 : from.index + 1);
  }

  boolean connectedTo(SimNode other) {
    return neighbours.contains(other);
  }

  @Override
  public String toString() {
    return id;
  }
}
