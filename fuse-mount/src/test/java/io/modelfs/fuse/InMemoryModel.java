package io.modelfs.fuse;

import io.modelfs.core.Digest;
import io.modelfs.core.FileEntry;
import io.modelfs.core.Manifest;
import io.modelfs.core.ModelRef;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * A model held in byte arrays, for tests: builds a real manifest (chunk digests included) and
 * serves chunk reads from the arrays, recording every prefetch.
 */
final class InMemoryModel implements ModelContent {
  private final ModelRef ref;
  private final Manifest manifest;
  private final Map<String, byte[]> data;
  final ConcurrentLinkedQueue<String> prefetches = new ConcurrentLinkedQueue<>();
  volatile IOException failReads;

  private InMemoryModel(ModelRef ref, Manifest manifest, Map<String, byte[]> data) {
    this.ref = ref;
    this.manifest = manifest;
    this.data = data;
  }

  static Builder builder(String name, int chunkSize) {
    return new Builder(name, chunkSize);
  }

  byte[] bytes(String path) {
    return data.get(path);
  }

  @Override
  public ModelRef ref() {
    return ref;
  }

  @Override
  public Manifest manifest() {
    return manifest;
  }

  @Override
  public int read(FileEntry file, int chunk, int offset, ByteBuffer dst) throws IOException {
    if (failReads != null) {
      throw failReads;
    }
    int chunkSize = manifest.chunkSize();
    int length = file.chunk(chunk, chunkSize).size();
    if (offset < 0 || offset >= length) {
      throw new IllegalArgumentException("offset " + offset + " outside chunk " + chunk + " of " + length + " bytes");
    }
    int n = Math.min(dst.remaining(), length - offset);
    dst.put(data.get(file.path()), (int) ((long) chunk * chunkSize + offset), n);
    return n;
  }

  @Override
  public void prefetch(FileEntry file, int chunk) {
    prefetches.add(file.path() + "#" + chunk);
  }

  static final class Builder {
    private final String name;
    private final int chunkSize;
    private final Map<String, byte[]> data = new TreeMap<>();
    private final Map<String, Integer> modes = new TreeMap<>();

    private Builder(String name, int chunkSize) {
      this.name = name;
      this.chunkSize = chunkSize;
    }

    Builder file(String path, byte[] bytes, int mode) {
      data.put(path, bytes);
      modes.put(path, mode);
      return this;
    }

    /** A file of {@code size} bytes from a random source seeded by its path. */
    Builder file(String path, int size, int mode) {
      byte[] bytes = new byte[size];
      new Random(path.hashCode()).nextBytes(bytes);
      return file(path, bytes, mode);
    }

    InMemoryModel build() {
      List<FileEntry> files = new ArrayList<>();
      ByteArrayOutputStream identity = new ByteArrayOutputStream();
      for (Map.Entry<String, byte[]> e : data.entrySet()) {
        byte[] bytes = e.getValue();
        List<Digest> chunks = new ArrayList<>();
        for (int off = 0; off < bytes.length; off += chunkSize) {
          chunks.add(Digest.sha256(ByteBuffer.wrap(bytes, off, Math.min(chunkSize, bytes.length - off))));
        }
        files.add(new FileEntry(e.getKey(), bytes.length, modes.get(e.getKey()), chunks));
        identity.writeBytes((e.getKey() + "\0" + chunks + "\0").getBytes(StandardCharsets.UTF_8));
      }
      Manifest manifest = Manifest.of(name, chunkSize, files);
      // Stands in for the digest of the encoded manifest: unique per content, which is all tests need.
      ModelRef ref = new ModelRef(name, Digest.sha256(identity.toByteArray()));
      return new InMemoryModel(ref, manifest, Map.copyOf(data));
    }
  }
}
