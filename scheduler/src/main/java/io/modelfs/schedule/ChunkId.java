package io.modelfs.schedule;

import io.modelfs.core.Digest;
import java.util.Objects;

/** A chunk as the swarm names it: the model's digest and the model-wide chunk index (files in manifest order). */
public record ChunkId(Digest model, int index) implements Comparable<ChunkId> {
  public ChunkId {
    Objects.requireNonNull(model, "model");
    if (index < 0) {
      throw new IllegalArgumentException("chunk index must be >= 0, got " + index + " for model " + model.shortHex());
    }
  }

  @Override
  public int compareTo(ChunkId o) {
    int c = model.compareTo(o.model); // unsigned bytes: the same order as the hex, without building strings
    return c != 0 ? c : Integer.compare(index, o.index);
  }

  @Override
  public String toString() {
    return model.shortHex() + "#" + index;
  }
}
