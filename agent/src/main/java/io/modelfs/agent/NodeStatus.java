package io.modelfs.agent;

import com.google.protobuf.ByteString;
import io.modelfs.agent.http.Readiness;
import io.modelfs.agent.metrics.AgentMetrics;
import io.modelfs.core.Digest;
import io.modelfs.core.FileEntry;
import io.modelfs.core.Manifest;
import io.modelfs.core.ModelRef;
import io.modelfs.core.proto.AgentStatus;
import io.modelfs.core.proto.ModelCompletion;
import io.modelfs.store.ChunkStore;
import java.io.IOException;
import java.net.InetAddress;
import java.time.Clock;
import java.util.BitSet;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;

/**
 * This node as {@code modelfs status}, {@code /api/status} and the dashboard show it: the store,
 * each open model's completion (which of its chunks are local), traffic by source, readiness.
 * Reads the store's chunk list, not {@code contains}, so that looking does not count as hits.
 */
final class NodeStatus {
  private final AgentCatalog catalog;
  private final ChunkStore store;
  private final AgentConfig config;
  private final AgentMetrics metrics;
  private final Readiness readiness;
  private final Clock clock;
  private final long startedMillis;
  private volatile String node;

  NodeStatus(AgentCatalog catalog, ChunkStore store, AgentConfig config, AgentMetrics metrics, Readiness readiness,
      Clock clock) {
    this.catalog = catalog;
    this.store = store;
    this.config = config;
    this.metrics = metrics;
    this.readiness = readiness;
    this.clock = clock;
    this.startedMillis = clock.millis();
    this.node = hostName();
  }

  /** Names this node by its swarm id (the host name until then). */
  void nodeId(String id) {
    this.node = id;
  }

  AgentStatus snapshot() {
    ChunkStore.StoreStats s = store.stats();
    AgentStatus.Builder b = AgentStatus.newBuilder()
        .setNode(node)
        .setMount(config.mount().toString())
        .setStoreDir(config.store().toString())
        .setStoredBytes(s.bytes())
        .setStoredChunks(s.chunks())
        .setBudgetBytes(s.budgetBytes())
        .setUptimeMillis(Math.max(0, clock.millis() - startedMillis))
        .setTraffic(metrics.traffic())
        .setReadiness(readiness.check().summary());
    Set<Digest> local = new HashSet<>();
    store.list().forEach(c -> local.add(c.digest()));
    for (ModelRef ref : catalog.openRefs().stream().sorted((x, y) -> x.toString().compareTo(y.toString())).toList()) {
      b.addModels(ref.toString());
      Optional<StoredModel> m;
      try {
        m = catalog.model(ref);
      } catch (IOException e) {
        continue; // an open model is in memory; this cannot happen, and a status must not fail for it
      }
      m.ifPresent(model -> b.addCompletion(completion(ref, model.manifest(), local)));
    }
    return b.build();
  }

  /** Which of the manifest's chunks (over its files in order) are in {@code local}. */
  static ModelCompletion completion(ModelRef ref, Manifest manifest, Set<Digest> local) {
    BitSet bits = new BitSet();
    long chunks = 0;
    long chunksLocal = 0;
    long bytesLocal = 0;
    int i = 0;
    for (FileEntry file : manifest.files()) {
      for (int c = 0; c < file.chunks().size(); c++, i++) {
        chunks++;
        if (local.contains(file.chunks().get(c))) {
          bits.set(i);
          chunksLocal++;
          bytesLocal += file.chunk(c, manifest.chunkSize()).size();
        }
      }
    }
    byte[] packed = new byte[(int) ((chunks + 7) / 8)];
    byte[] set = bits.toByteArray();
    System.arraycopy(set, 0, packed, 0, set.length);
    return ModelCompletion.newBuilder()
        .setRef(ref.toString())
        .setChunksTotal(chunks)
        .setChunksLocal(chunksLocal)
        .setBytesTotal(manifest.totalBytes())
        .setBytesLocal(bytesLocal)
        .setLocalChunks(ByteString.copyFrom(packed))
        .build();
  }

  private static String hostName() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      return "localhost";
    }
  }
}
