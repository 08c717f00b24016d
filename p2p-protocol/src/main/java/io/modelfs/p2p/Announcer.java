package io.modelfs.p2p;

import com.google.protobuf.ByteString;
import io.modelfs.core.Digest;
import io.modelfs.core.proto.Bitfield;
import io.modelfs.core.proto.Dropped;
import io.modelfs.core.proto.Have;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * This node's holdings per model and the announcements not yet sent. A verified chunk becomes a
 * pending HAVE, an evicted one a pending DROPPED; {@link #drain} turns them into at most one HAVE
 * and one DROPPED message per model, which the swarm sends every announce interval — a model
 * fetched at 1 GB/s in 8 MiB chunks costs ten small messages a second per peer, not 120.
 *
 * <p>Thread-safety: synchronized; called from the agent's fetch threads and the swarm's timer.
 */
final class Announcer {
  private final Map<Digest, Model> models = new HashMap<>();

  private static final class Model {
    int count;
    final BitSet held = new BitSet();
    final TreeSet<Integer> have = new TreeSet<>();
    final TreeSet<Integer> dropped = new TreeSet<>();
  }

  /** Replaces what is known of {@code model}: sent whole to every peer (now and on connect). */
  synchronized Bitfield holdings(Digest model, int chunkCount, BitSet held) {
    Model m = models.computeIfAbsent(model, k -> new Model());
    m.count = chunkCount;
    m.held.clear();
    m.held.or(held.get(0, chunkCount));
    m.have.clear();
    m.dropped.clear();
    return bitfield(model, m);
  }

  synchronized void have(Digest model, int index) {
    Model m = models.computeIfAbsent(model, k -> new Model());
    if (!m.held.get(index)) {
      m.held.set(index);
      m.count = Math.max(m.count, index + 1);
      m.dropped.remove(index);
      m.have.add(index);
    }
  }

  synchronized void dropped(Digest model, int index) {
    Model m = models.get(model);
    if (m != null && m.held.get(index)) {
      m.held.clear(index);
      m.have.remove(index);
      m.dropped.add(index);
    }
  }

  /** The pending announcements as messages, clearing them. */
  synchronized List<Object> drain() {
    List<Object> out = new ArrayList<>();
    for (Map.Entry<Digest, Model> e : models.entrySet()) {
      Model m = e.getValue();
      ByteString id = ByteString.copyFrom(e.getKey().toBytes());
      if (!m.have.isEmpty()) {
        out.add(Have.newBuilder().setModel(id).addAllChunks(m.have).build());
        m.have.clear();
      }
      if (!m.dropped.isEmpty()) {
        out.add(Dropped.newBuilder().setModel(id).addAllChunks(m.dropped).build());
        m.dropped.clear();
      }
    }
    return out;
  }

  /** One bitfield per model, for a peer that just connected. */
  synchronized List<Bitfield> bitfields() {
    List<Bitfield> out = new ArrayList<>();
    models.forEach((model, m) -> out.add(bitfield(model, m)));
    return out;
  }

  // bits: bit i is (byte i/8) & (0x80 >> i%8)
  private static Bitfield bitfield(Digest model, Model m) {
    byte[] bits = new byte[(m.count + 7) / 8];
    for (int i = m.held.nextSetBit(0); i >= 0 && i < m.count; i = m.held.nextSetBit(i + 1)) {
      bits[i >> 3] |= (byte) (0x80 >>> (i & 7));
    }
    return Bitfield.newBuilder().setModel(ByteString.copyFrom(model.toBytes())).setChunkCount(m.count)
        .setBits(ByteString.copyFrom(bits)).build();
  }
}
