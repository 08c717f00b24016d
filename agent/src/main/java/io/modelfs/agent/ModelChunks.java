package io.modelfs.agent;

import io.modelfs.core.ChunkRef;
import io.modelfs.core.Digest;
import io.modelfs.core.FileEntry;
import io.modelfs.core.Manifest;
import io.modelfs.core.ModelRef;
import io.modelfs.store.ChunkStore;
import java.util.BitSet;
import java.util.HashMap;
import java.util.Map;

/**
 * A model's chunks as the swarm numbers them: one model-wide index per chunk, files in manifest
 * order (what peers announce, the tracker leases and the scheduler schedules), mapped to the
 * file and chunk within it, and back. Immutable once built; any thread may read it.
 */
final class ModelChunks {
  private final ModelRef ref;
  private final Manifest manifest;
  private final FileEntry[] fileOf;
  private final int[] chunkInFile;
  private final Map<String, Integer> firstChunk = new HashMap<>();
  private final Map<Digest, int[]> byDigest = new HashMap<>();

  ModelChunks(ModelRef ref, Manifest manifest) {
    this.ref = ref;
    this.manifest = manifest;
    int n = (int) manifest.totalChunks();
    this.fileOf = new FileEntry[n];
    this.chunkInFile = new int[n];
    int index = 0;
    for (FileEntry f : manifest.files()) {
      firstChunk.put(f.path(), index);
      for (int i = 0; i < f.chunks().size(); i++) {
        fileOf[index] = f;
        chunkInFile[index] = i;
        byDigest.merge(f.chunks().get(i), new int[] {index}, ModelChunks::concat);
        index++;
      }
    }
  }

  ModelRef ref() {
    return ref;
  }

  Digest model() {
    return ref.digest();
  }

  Manifest manifest() {
    return manifest;
  }

  int count() {
    return fileOf.length;
  }

  /** The model-wide index of chunk {@code chunk} of {@code file}. */
  int index(FileEntry file, int chunk) {
    Integer first = firstChunk.get(file.path());
    if (first == null || chunk < 0 || chunk >= file.chunks().size()) {
      throw new IllegalArgumentException("no chunk " + chunk + " of '" + file.path() + "' in " + ref);
    }
    return first + chunk;
  }

  FileEntry file(int index) {
    return fileOf[index];
  }

  int chunkInFile(int index) {
    return chunkInFile[index];
  }

  ChunkRef chunk(int index) {
    return fileOf[index].chunk(chunkInFile[index], manifest.chunkSize());
  }

  Digest digest(int index) {
    return fileOf[index].chunks().get(chunkInFile[index]);
  }

  /** The model-wide indices whose chunk is {@code digest} (several if the model repeats a chunk); empty if none. */
  int[] indices(Digest digest) {
    int[] found = byDigest.get(digest);
    return found == null ? new int[0] : found;
  }

  long[] sizes() {
    long[] sizes = new long[fileOf.length];
    for (int i = 0; i < sizes.length; i++) {
      sizes[i] = chunk(i).size();
    }
    return sizes;
  }

  /** The chunks the store holds now. */
  BitSet held(ChunkStore store) {
    BitSet held = new BitSet(fileOf.length);
    for (int i = 0; i < fileOf.length; i++) {
      if (store.contains(digest(i))) {
        held.set(i);
      }
    }
    return held;
  }

  private static int[] concat(int[] a, int[] b) {
    int[] c = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, c, a.length, b.length);
    return c;
  }
}
