package io.modelfs.agent;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.modelfs.core.Digest;
import io.modelfs.core.FileEntry;
import io.modelfs.core.Manifest;
import io.modelfs.core.ModelRef;
import io.modelfs.core.proto.ModelCompletion;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class NodeStatusTest {
  private static Digest d(int i) {
    return Digest.sha256(new byte[] {(byte) i});
  }

  @Test
  void completionMarksLocalChunksInManifestOrderAndCountsTheirBytes() {
    int cs = 4096;
    // a: 2 chunks (4096 + 10 bytes); b: 9 chunks, the last 1 byte.
    FileEntry a = new FileEntry("a.bin", cs + 10, 0644, List.of(d(0), d(1)));
    List<Digest> bChunks = new java.util.ArrayList<>();
    for (int i = 2; i < 11; i++) {
      bChunks.add(d(i));
    }
    FileEntry b = new FileEntry("b.bin", 8L * cs + 1, 0644, bChunks);
    Manifest m = Manifest.of("m", cs, List.of(a, b));
    ModelRef ref = ModelRef.parse("m@sha256:" + d(99).hex());
    ModelCompletion c = NodeStatus.completion(ref, m, Set.of(d(1), d(2), d(10)));
    assertEquals(11, c.getChunksTotal());
    assertEquals(3, c.getChunksLocal());
    assertEquals(10 + cs + 1, c.getBytesLocal());
    assertEquals(cs + 10 + 8L * cs + 1, c.getBytesTotal());
    // chunks 1, 2 and 10: bits 1 and 2 of byte 0, bit 2 of byte 1; two bytes for 11 chunks.
    assertArrayEquals(new byte[] {0b110, 0b100}, c.getLocalChunks().toByteArray());
  }

  @Test
  void aModelWithNothingLocalHasAllZeroBits() {
    FileEntry a = new FileEntry("a.bin", 4096, 0644, List.of(d(0)));
    ModelCompletion c = NodeStatus.completion(ModelRef.parse("m@sha256:" + d(99).hex()),
        Manifest.of("m", 4096, List.of(a)), Set.of());
    assertArrayEquals(new byte[] {0}, c.getLocalChunks().toByteArray());
    assertEquals(0, c.getBytesLocal());
  }
}
