package io.modelfs.tracker;

import io.modelfs.core.ModelRef;

/**
 * A published model: its manifest and sources bytes exactly as published, its chunk count (for
 * validating announcements and leases), and when it was last wanted (published, tagged, or
 * held by a live node).
 */
record ModelRecord(ModelRef ref, byte[] manifest, byte[] sources, long chunkCount, long publishedMillis,
    long lastWantedMillis) {
  ModelRecord wanted(long now) {
    return now <= lastWantedMillis ? this : new ModelRecord(ref, manifest, sources, chunkCount, publishedMillis, now);
  }
}
