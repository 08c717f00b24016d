package io.modelfs.tracker;

import io.modelfs.core.Digest;
import io.modelfs.core.FileEntry;
import io.modelfs.core.Manifest;
import io.modelfs.core.ManifestCodec;
import io.modelfs.core.ModelRef;
import io.modelfs.core.Sources;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Test models and a settable clock. */
final class Fixtures {
  private Fixtures() {}

  /** A published model: a manifest with {@code chunks} chunks of 4 KiB in one file. */
  record Model(ModelRef ref, byte[] manifest, byte[] sources, int chunks) {
    Digest digest() {
      return ref.digest();
    }
  }

  static Model model(String name, int chunks) {
    int chunkSize = Manifest.MIN_CHUNK_SIZE;
    List<Digest> digests = new ArrayList<>();
    for (int i = 0; i < chunks; i++) {
      digests.add(Digest.sha256((name + "/" + i).getBytes(StandardCharsets.UTF_8)));
    }
    Manifest m = Manifest.of(name, chunkSize, List.of(new FileEntry("model.safetensors", (long) chunks * chunkSize, 0644, digests)));
    byte[] bytes = ManifestCodec.encode(m);
    byte[] sources = ManifestCodec.encodeSources(new Sources(List.of(
        new Sources.Binding("file:///data/" + name + "/", Map.of("model.safetensors", "1-2")))));
    return new Model(ManifestCodec.refOf(name, bytes), bytes, sources, chunks);
  }

  static RegistryLimits limits() {
    return new RegistryLimits(Duration.ofMinutes(2).toMillis(), Duration.ofHours(1).toMillis(), 100, 100, 1 << 20);
  }

  /** A clock tests move by hand. */
  static final class TestClock extends Clock {
    private volatile long millis;

    TestClock(long millis) {
      this.millis = millis;
    }

    void advance(Duration d) {
      millis += d.toMillis();
    }

    @Override
    public long millis() {
      return millis;
    }

    @Override
    public Instant instant() {
      return Instant.ofEpochMilli(millis);
    }

    @Override
    public ZoneOffset getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }
  }
}
