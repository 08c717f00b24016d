package io.modelfs.origin;

import io.modelfs.core.Digest;
import io.modelfs.core.FileEntry;
import io.modelfs.core.Manifest;
import io.modelfs.core.ManifestCodec;
import io.modelfs.core.ModelPaths;
import io.modelfs.core.ModelRef;
import io.modelfs.core.Sources;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Builds a model's manifest from the objects under an origin: every file is cut into fixed-size
 * chunks and each chunk hashed with SHA-256, several chunks at a time. The data is read, never
 * copied. The result's ref is the hash of the manifest bytes it returns.
 */
public final class Importer {

  /** How to cut and how hard to work: chunk size in bytes, chunks hashed at once. */
  public record Config(int chunkSize, int threads) {
    public Config {
      if (threads < 1) {
        throw new IllegalArgumentException("import needs at least one thread, got " + threads);
      }
    }

    public static Config defaults() {
      return new Config(Manifest.DEFAULT_CHUNK_SIZE, Math.max(2, Runtime.getRuntime().availableProcessors()));
    }
  }

  /** Told of progress from the hashing threads; must be thread-safe. */
  public interface Listener {
    void started(long totalBytes, int files);

    void hashed(long bytes);
  }

  /** The manifest as bytes (what the ref hashes), its parsed form, and where it came from. */
  public record Result(ModelRef ref, byte[] manifestBytes, Manifest manifest, Sources sources) {}

  private final Config config;

  public Importer(Config config) {
    this.config = config;
  }

  public Result run(Origin origin, String name, Listener listener) throws IOException {
    ModelRef.checkName(name);
    List<ObjectInfo> objects = origin.list();
    if (objects.isEmpty()) {
      throw new OriginException.NotFound(origin.uri());
    }
    for (ObjectInfo o : objects) {
      ModelPaths.validate(o.path());
    }
    listener.started(objects.stream().mapToLong(ObjectInfo::size).sum(), objects.size());
    ExecutorService pool = Executors.newFixedThreadPool(config.threads(), r -> {
      Thread t = new Thread(r, "import-hash");
      t.setDaemon(true);
      return t;
    });
    try {
      List<List<Future<Digest>>> perFile = new ArrayList<>();
      for (ObjectInfo o : objects) {
        List<Future<Digest>> chunks = new ArrayList<>();
        long count = FileEntry.chunkCount(o.size(), config.chunkSize());
        for (long i = 0; i < count; i++) {
          long offset = i * config.chunkSize();
          long length = Math.min(config.chunkSize(), o.size() - offset);
          chunks.add(pool.submit(() -> hashRange(origin, o, offset, length, listener)));
        }
        perFile.add(chunks);
      }
      List<FileEntry> files = new ArrayList<>();
      Map<String, String> versions = new TreeMap<>();
      for (int f = 0; f < objects.size(); f++) {
        ObjectInfo o = objects.get(f);
        List<Digest> digests = new ArrayList<>();
        for (Future<Digest> d : perFile.get(f)) {
          digests.add(await(d));
        }
        files.add(new FileEntry(o.path(), o.size(), o.mode() & 0777, digests));
        if (o.version() == null || o.version().isEmpty()) {
          throw new OriginException.Permanent(origin.uri(), "the origin gave no version (ETag, generation or "
              + "modification time) for '" + o.path() + "', so a later change could not be detected; refusing to import",
              null);
        }
        versions.put(o.path(), o.version());
      }
      Manifest manifest = Manifest.of(name, config.chunkSize(), files);
      byte[] bytes = ManifestCodec.encode(manifest);
      Sources sources = new Sources(List.of(new Sources.Binding(origin.uri().toString(), versions)));
      return new Result(ManifestCodec.refOf(name, bytes), bytes, manifest, sources);
    } finally {
      pool.shutdownNow();
    }
  }

  private static Digest hashRange(Origin origin, ObjectInfo o, long offset, long length, Listener listener)
      throws IOException {
    MessageDigest sha = Digest.newSha256();
    AtomicLong seen = new AtomicLong();
    origin.read(o.path(), o.version(), offset, length, new WritableByteChannel() {
      @Override
      public int write(ByteBuffer src) {
        int n = src.remaining();
        sha.update(src);
        seen.addAndGet(n);
        listener.hashed(n);
        return n;
      }

      @Override
      public boolean isOpen() {
        return true;
      }

      @Override
      public void close() {}
    });
    if (seen.get() != length) {
      throw new OriginException.Changed(origin.uri().resolve(o.path()), length + " bytes at " + offset, seen.get() + " bytes");
    }
    return Digest.finish(sha);
  }

  private static Digest await(Future<Digest> f) throws IOException {
    try {
      return f.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("import interrupted", e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof IOException io) {
        throw io;
      }
      throw new IOException("hashing failed: " + e.getCause(), e.getCause());
    }
  }
}
