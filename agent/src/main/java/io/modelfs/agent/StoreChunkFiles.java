package io.modelfs.agent;

import io.modelfs.core.Digest;
import io.modelfs.p2p.ChunkSource;
import io.modelfs.store.ChunkStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * The chunk store's files as the swarm's upload source. A published chunk is the file
 * {@code <store>/chunks/<first 2 hex>/<64 hex>} (the layout FileChunkStore documents), renamed
 * there only after verification, so any file the store says it contains may be sent as is.
 */
final class StoreChunkFiles implements ChunkSource {
  private final Path chunks;
  private final ChunkStore store;
  private volatile Predicate<Digest> served = d -> true;

  StoreChunkFiles(Path storeRoot, ChunkStore store) {
    this.chunks = storeRoot.resolve("chunks");
    this.store = store;
  }

  /**
   * Serves only chunks for which {@code served} is true: chunks of the models this node has
   * opened (and announces), so a peer cannot read arbitrary digests out of the store. Others are
   * answered as not held (NOT_FOUND), which tells the asker nothing about the store.
   */
  void serveOnly(Predicate<Digest> served) {
    this.served = served;
  }

  @Override
  public Optional<Path> chunkFile(Digest digest) {
    if (!served.test(digest) || !store.contains(digest)) {
      return Optional.empty();
    }
    String hex = digest.hex();
    Path p = chunks.resolve(hex.substring(0, 2)).resolve(hex);
    return Files.isRegularFile(p) ? Optional.of(p) : Optional.empty();
  }
}
