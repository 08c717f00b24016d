package io.modelfs.tracker;

import io.modelfs.core.ModelRef;

/**
 * A published model: its manifest and sources bytes exactly as published, its chunk count (for
 * validating announcements and leases), when it was last wanted (published, tagged, or held by a
 * live node), and the manifest's {@code <hex>.sig} bytes as published (empty when unsigned; the
 * tracker stores and serves them, agents verify them).
 */
record ModelRecord(ModelRef ref, byte[] manifest, byte[] sources, long chunkCount, long publishedMillis,
    long lastWantedMillis, byte[] signature) {
  private static final byte[] NONE = new byte[0];

  ModelRecord {
    signature = signature == null ? NONE : signature;
  }

  /** An unsigned model. */
  ModelRecord(ModelRef ref, byte[] manifest, byte[] sources, long chunkCount, long publishedMillis, long lastWantedMillis) {
    this(ref, manifest, sources, chunkCount, publishedMillis, lastWantedMillis, NONE);
  }

  ModelRecord wanted(long now) {
    return now <= lastWantedMillis ? this
        : new ModelRecord(ref, manifest, sources, chunkCount, publishedMillis, now, signature);
  }
}
