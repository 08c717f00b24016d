package io.modelfs.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Manifest bytes come from a bucket or a peer, so any bytes must give either a valid
 * {@link Manifest} or a {@link ManifestFormatException} — never another exception, a hang or an
 * allocation beyond the bytes' own size. A manifest that decodes must survive a round trip and
 * hold the invariants readers rely on.
 *
 * <p>{@code mvn verify} replays the committed corpus in {@code ManifestCodecFuzzTestInputs/};
 * {@code bin/fuzz} fuzzes with {@code JAZZER_FUZZ=1}.
 */
class ManifestCodecFuzzTest {
  @FuzzTest(maxDuration = "30s")
  void decode(byte[] bytes) {
    Manifest m;
    try {
      m = ManifestCodec.decode(bytes);
    } catch (ManifestFormatException e) {
      assertTrue(e.getMessage() != null && !e.getMessage().isBlank(), "a format error says what is wrong");
      return;
    }
    String previous = null;
    for (FileEntry f : m.files()) {
      ModelPaths.validate(f.path());
      assertTrue(previous == null || previous.compareTo(f.path()) < 0, "paths sorted and unique");
      previous = f.path();
      assertEquals(FileEntry.chunkCount(f.size(), m.chunkSize()), f.chunks().size(), "chunk count of " + f.path());
    }
    assertTrue(m.totalBytes() >= 0, "total size does not overflow");
    try {
      assertEquals(m, ManifestCodec.decode(ManifestCodec.encode(m)), "a decoded manifest round-trips");
    } catch (ManifestFormatException e) {
      throw new AssertionError("a decoded manifest must re-encode to valid bytes", e);
    }
  }
}
