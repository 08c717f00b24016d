package io.modelfs.store;

import io.modelfs.core.ChunkRef;
import java.io.IOException;
import java.nio.channels.WritableByteChannel;

/**
 * Fetches a chunk's bytes from somewhere (an origin, a peer). The store calls it on one of its
 * fetch threads and hashes the bytes as they arrive.
 */
@FunctionalInterface
public interface ChunkLoader {
  /**
   * Writes exactly the chunk's {@link ChunkRef#size()} bytes, in order, to {@code sink}.
   * Throws on any failure; the store then publishes nothing.
   */
  void load(ChunkRef chunk, WritableByteChannel sink) throws IOException;
}
