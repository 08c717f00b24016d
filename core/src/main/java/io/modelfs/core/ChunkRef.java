package io.modelfs.core;

/** A chunk as the store knows it: its digest and its length in bytes. */
public record ChunkRef(Digest digest, int size) {
  public ChunkRef {
    if (digest == null) {
      throw new IllegalArgumentException("chunk digest is null");
    }
    if (size < 0) {
      throw new IllegalArgumentException("chunk " + digest.shortHex() + " has negative size " + size);
    }
  }

  @Override
  public String toString() {
    return digest.shortHex() + "(" + size + "B)";
  }
}
