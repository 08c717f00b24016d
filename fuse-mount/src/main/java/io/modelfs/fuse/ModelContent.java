package io.modelfs.fuse;

import io.modelfs.core.FileEntry;
import io.modelfs.core.Manifest;
import io.modelfs.core.ModelRef;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * The bytes of one model, chunk by chunk. Implemented by the agent on top of the chunk store
 * (local, then peers, then origin). Must be thread-safe: the kernel calls in from many threads.
 */
public interface ModelContent {
  ModelRef ref();

  Manifest manifest();

  /**
   * Copies bytes of chunk {@code chunk} of {@code file}, from {@code offset} within that chunk,
   * into {@code dst} until it is full or the chunk ends; returns the count. Blocks until the
   * chunk is local, for at most the implementation's read timeout, then throws.
   */
  int read(FileEntry file, int chunk, int offset, ByteBuffer dst) throws IOException;

  /** Asks for the chunk to be made local in the background (readahead); returns at once. */
  void prefetch(FileEntry file, int chunk);
}
