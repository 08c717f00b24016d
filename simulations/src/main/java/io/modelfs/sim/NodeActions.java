package io.modelfs.sim;

import io.modelfs.core.Digest;
import io.modelfs.schedule.Actions;
import io.modelfs.schedule.ChunkId;
import io.modelfs.schedule.Failure;
import io.modelfs.schedule.Source;
import io.modelfs.schedule.lease.LeaseTable;
import java.util.List;
import java.util.Set;

/**
 * A simulated node's transport: the scheduler's commands become events on the simulator's
 * agenda (never a synchronous call back into the scheduler). Peer fetches wait in the peer's
 * {@link UploadSlots} (as the agent's peer server queues them) and become flows from its upload
 * link into this node's intake; origin fetches become flows through the origin's
 * aggregate cap and this node's origin stream; lease requests go to the {@link SimTracker}.
 */
final class NodeActions implements Actions {
  private final SwarmRun run;
  private final SimNode node;

  NodeActions(SwarmRun run, SimNode node) {
    this.run = run;
    this.node = node;
  }

  @Override
  public void fetchFromPeer(String peer, ChunkId chunk) {
    SimNode from = run.byId.get(peer);
    SimNode.Transfer t = new SimNode.Transfer(node, from, chunk.index());
    if (from == null) {
      run.fail(t, Failure.NOT_FOUND);
      return;
    }
    node.transfers.put(t.key(), t);
    run.sim.after(run.halfRtt, EventKind.PEER_REQUEST, () -> arrivesAtPeer(t));
  }

  private void arrivesAtPeer(SimNode.Transfer t) {
    if (t.cancelled) {
      return;
    }
    SimNode from = t.from;
    if (!from.alive) {
      run.fail(t, Failure.DISCONNECTED);
    } else if (!from.held.get(t.chunk)) {
      run.fail(t, Failure.NOT_FOUND);
    } else if (!from.uploads.offer(t)) {
      run.fail(t, Failure.BUSY);
    } else {
      run.pumpUploads(from);
    }
  }

  @Override
  public void fetchFromOrigin(ChunkId chunk, boolean leased) {
    SimNode.Transfer t = new SimNode.Transfer(node, null, chunk.index());
    node.transfers.put(t.key(), t);
    long start = Math.max(run.sim.now(), node.nextOriginRequestAt);
    double rps = run.s.origin().requestsPerSecondPerNode();
    if (rps > 0) {
      node.nextOriginRequestAt = start + (long) (1e9 / rps);
    }
    run.sim.at(start + run.s.origin().latencyNanos(), EventKind.ORIGIN_START, () -> {
      if (t.cancelled || !node.alive) {
        return;
      }
      Resource[] path = run.originAggregate == null
          ? run.path(node.originLink, node.intake)
          : run.path(run.originAggregate, node.originLink, node.intake);
      t.flow = run.net.start(path, run.chunkSizes[t.chunk], true, run.cpuPerByte(true), () -> run.arrived(t));
      t.flow.tag = t;
      run.watch(t);
    });
  }

  @Override
  public void requestLeases(Digest model, List<Integer> chunks, List<Integer> released) {
    requestLeases(model, chunks, List.of(), released);
  }

  /** As the agent: the chunks flagged "holders unreachable" go to the tracker with the request. */
  @Override
  public void requestLeases(Digest model, List<Integer> chunks, List<Integer> unreachable, List<Integer> released) {
    List<Integer> ask = List.copyOf(chunks);
    Set<Integer> cut = Set.copyOf(unreachable);
    List<Integer> back = List.copyOf(released);
    run.sim.after(run.halfTracker, EventKind.LEASE_REQUEST, () -> {
      if (!node.alive) {
        return;
      }
      LeaseTable.Decision a = run.tracker.lease(node, ask, cut, back, run.sim.now() / 1_000_000);
      run.connectToHolders(node, a.onPeers());
      long nextAsk = run.tracker.nextAskMillis();
      run.sim.after(run.halfTracker, EventKind.LEASE_ANSWER, () -> run.deliver(node, EventKind.CALL_LEASE_ANSWER, sc -> sc.leaseAnswer(model, a.granted(), a.onPeers(), a.busy(), nextAsk)));
    });
  }

  @Override
  public void cancel(Source from, ChunkId chunk) {
    SimNode peer = from instanceof Source.Peer p ? run.byId.get(p.id()) : null;
    SimNode.Transfer t = node.transfers.remove(SimNode.key(chunk.index(), peer));
    if (t != null) {
      t.cancelled = true;
      if (t.flow != null) {
        run.net.cancel(t.flow);
      }
      if (peer != null) {
        // The agent sends CANCEL: the request leaves the peer's queue, or its upload stops and frees the slot.
        peer.uploads.cancelQueued(t);
        if (t.uploading) {
          peer.uploads.finished(t);
          if (peer.alive) {
            run.pumpUploads(peer);
          }
        }
      }
    }
  }
}
