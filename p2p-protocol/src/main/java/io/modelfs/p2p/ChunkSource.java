package io.modelfs.p2p;

import io.modelfs.core.Digest;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Where the swarm finds the chunks it uploads: the file holding a verified chunk, sent to peers
 * with {@code sendfile} straight from the page cache. The agent implements it over its chunk
 * store.
 *
 * <p>Contract: return a path only for a chunk whose bytes were verified against {@code digest};
 * the file may be deleted at any time (the uploader opens it first, and refuses NOT_FOUND if it
 * is gone). Called from Netty event-loop threads: must not block for long and must be
 * thread-safe.
 */
@FunctionalInterface
public interface ChunkSource {
  Optional<Path> chunkFile(Digest digest);
}
