package io.modelfs.agent;

import io.modelfs.core.Digest;
import io.modelfs.core.ModelRef;
import io.modelfs.core.proto.ControlRequest;
import io.modelfs.core.proto.ControlResponse;
import io.modelfs.store.ChunkStore;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The chunk store's control commands on the running agent: {@code store_list}, {@code gc},
 * {@code verify}, {@code unpin}. Models the agent has open are listed with what is stored of
 * them, and {@code verify --model} finds a model's chunks through the catalog.
 */
final class StoreControl {
  private final AgentCatalog catalog;
  private final ChunkStore store;
  private final Path dir;

  StoreControl(AgentCatalog catalog, ChunkStore store, Path dir) {
    this.catalog = catalog;
    this.store = store;
    this.dir = dir;
  }

  ControlResponse handle(ControlRequest request) throws IOException {
    ControlResponse.Builder r = ControlResponse.newBuilder();
    return switch (request.getCommandCase()) {
      case STORE_LIST -> r.setStoreListing(StoreOperations.list(store, dir, openModels(),
          request.getStoreList().getChunks())).build();
      case GC -> r.setGcResult(StoreOperations.gc(store,
          request.getGc().hasTargetBytes() ? request.getGc().getTargetBytes() : null)).build();
      case VERIFY -> r.setVerifyResult(StoreOperations.verify(store, chunksOf(request.getVerify().getRef()))).build();
      case UNPIN -> r.setUnpinResult(StoreOperations.unpin(store, ModelRef.parse(request.getUnpin().getRef()).toString()))
          .build();
      default -> throw new IllegalArgumentException("not a store command: " + request.getCommandCase());
    };
  }

  private Map<String, Collection<Digest>> openModels() throws IOException {
    Map<String, Collection<Digest>> models = new LinkedHashMap<>();
    for (ModelRef ref : catalog.openRefs()) {
      catalog.model(ref).ifPresent(m -> models.put(ref.toString(), StoreOperations.digestsOf(m.manifest())));
    }
    return models;
  }

  private List<Digest> chunksOf(String ref) throws IOException {
    if (ref.isEmpty()) {
      return List.of();
    }
    ModelRef parsed = ModelRef.parse(ref);
    StoredModel model = catalog.model(parsed).orElseThrow(() -> new IOException(
        "model " + parsed + " was not found in any manifests location of this agent; nothing to verify"));
    return StoreOperations.digestsOf(model.manifest());
  }
}
