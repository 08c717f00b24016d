package io.modelfs.agent;

import io.modelfs.core.Digest;
import io.modelfs.core.FileEntry;
import io.modelfs.core.Manifest;
import io.modelfs.core.proto.GcResult;
import io.modelfs.core.proto.StoreChunk;
import io.modelfs.core.proto.StoreCounters;
import io.modelfs.core.proto.StoreListing;
import io.modelfs.core.proto.StoreModel;
import io.modelfs.core.proto.UnpinResult;
import io.modelfs.core.proto.VerifyResult;
import io.modelfs.store.ChunkStore;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * {@code modelfs ls}, {@code gc}, {@code verify} and {@code unpin} on a chunk store, answered as
 * control API messages: the running agent calls these on its store, and the CLI calls them on a
 * stopped agent's store ({@code --store DIR}), so both print the same thing.
 */
public final class StoreOperations {
  private StoreOperations() {}

  /**
   * Totals, counters, and per model how much is stored. {@code models} maps a ref to its chunk
   * digests (models the agent has open); named pins are listed as models too.
   */
  public static StoreListing list(ChunkStore store, Path dir, Map<String, Collection<Digest>> models, boolean chunks) {
    ChunkStore.StoreStats s = store.stats();
    List<ChunkStore.StoredChunk> stored = store.list();
    Map<Digest, Long> sizes = new HashMap<>();
    stored.forEach(c -> sizes.put(c.digest(), c.size()));
    Map<String, Set<Digest>> pins = store.namedPins();
    Map<String, Collection<Digest>> all = new TreeMap<>(models);
    pins.forEach(all::putIfAbsent);
    StoreListing.Builder b = StoreListing.newBuilder()
        .setStoreDir(dir.toString())
        .setChunks(s.chunks())
        .setBytes(s.bytes())
        .setBudgetBytes(s.budgetBytes())
        .setCounters(StoreCounters.newBuilder()
            .setHits(s.hits()).setMisses(s.misses()).setBytesIn(s.bytesIn()).setBytesOut(s.bytesOut())
            .setEvictions(s.evictions()).setVerificationFailures(s.verificationFailures())
            .setLoads(s.loads()).setLoadFailures(s.loadFailures()));
    all.forEach((ref, digests) -> {
      Set<Digest> distinct = new LinkedHashSet<>(digests);
      long storedChunks = 0;
      long storedBytes = 0;
      for (Digest d : distinct) {
        Long size = sizes.get(d);
        if (size != null) {
          storedChunks++;
          storedBytes += size;
        }
      }
      b.addModels(StoreModel.newBuilder().setRef(ref).setChunksTotal(distinct.size()).setChunksStored(storedChunks)
          .setBytesStored(storedBytes).setPinned(pins.containsKey(ref)));
    });
    if (chunks) {
      stored.forEach(c -> b.addChunkList(StoreChunk.newBuilder().setDigest(c.digest().hex()).setSize(c.size())
          .setLastAccessMillis(c.lastAccessMillis()).setPins(c.pins())));
    }
    return b.build();
  }

  /** Evicts to {@code targetBytes}, or to the store's budget when null (nothing without a budget). */
  public static GcResult gc(ChunkStore store, Long targetBytes) throws IOException {
    long budget = store.stats().budgetBytes();
    long target = targetBytes != null ? targetBytes : budget == 0 ? Long.MAX_VALUE : budget;
    ChunkStore.GcReport r = store.gc(target);
    return GcResult.newBuilder().setChunksEvicted(r.chunksEvicted()).setBytesFreed(r.bytesFreed())
        .setChunksLeft(r.chunksLeft()).setBytesLeft(r.bytesLeft()).build();
  }

  /** Re-hashes {@code only} (every stored chunk if empty). */
  public static VerifyResult verify(ChunkStore store, Collection<Digest> only) throws IOException {
    ChunkStore.VerifyReport r = store.verify(only);
    VerifyResult.Builder b = VerifyResult.newBuilder().setChunksChecked(r.chunksChecked()).setBytesChecked(r.bytesChecked());
    r.corrupt().forEach(d -> b.addCorrupt(d.hex()));
    return b.build();
  }

  public static UnpinResult unpin(ChunkStore store, String ref) throws IOException {
    return UnpinResult.newBuilder().setRef(ref).setWasPinned(store.unpin(ref)).build();
  }

  /** Every chunk digest of a manifest, in file order. */
  static List<Digest> digestsOf(Manifest manifest) {
    List<Digest> all = new ArrayList<>();
    for (FileEntry f : manifest.files()) {
      all.addAll(f.chunks());
    }
    return all;
  }
}
