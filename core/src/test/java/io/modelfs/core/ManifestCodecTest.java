package io.modelfs.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnknownFieldSet;
import io.modelfs.core.proto.FileProto;
import io.modelfs.core.proto.ManifestProto;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ManifestCodecTest {
  private static final int CS = 4096;

  static Digest d(String s) {
    return Digest.sha256(s.getBytes(StandardCharsets.UTF_8));
  }

  static Manifest sample() {
    return Manifest.of("llama", CS, List.of(
        new FileEntry("a/b.bin", CS + 1, 0644, List.of(d("1"), d("2"))),
        new FileEntry("config.json", 10, 0644, List.of(d("3"))),
        new FileEntry("empty", 0, 0600, List.of())));
  }

  @Test
  void sameContentGivesSameBytesAndSameRef() {
    byte[] a = ManifestCodec.encode(sample());
    byte[] b = ManifestCodec.encode(sample());
    assertArrayEquals(a, b);
    assertEquals(ManifestCodec.refOf("llama", a), ManifestCodec.refOf("llama", b));
    assertEquals(Digest.sha256(a), ManifestCodec.refOf("llama", a).digest());
  }

  @Test
  void differentContentGivesDifferentRef() {
    Manifest other = Manifest.of("llama", CS, List.of(new FileEntry("config.json", 10, 0644, List.of(d("4")))));
    assertNotEquals(Digest.sha256(ManifestCodec.encode(sample())), Digest.sha256(ManifestCodec.encode(other)));
  }

  @Test
  void roundTrips() throws Exception {
    Manifest m = sample();
    assertEquals(m, ManifestCodec.decode(ManifestCodec.encode(m)));
  }

  @Test
  void rejectsUnknownFields() {
    byte[] good = ManifestCodec.encode(sample());
    ManifestProto withExtra = ManifestProto.newBuilder(parse(good))
        .setUnknownFields(UnknownFieldSet.newBuilder()
            .addField(99, UnknownFieldSet.Field.newBuilder().addVarint(1).build()).build())
        .build();
    ManifestFormatException e = assertThrows(ManifestFormatException.class, () -> ManifestCodec.decode(withExtra.toByteArray()));
    assertTrue(e.getMessage().contains("99"), e.getMessage());
  }

  @Test
  void rejectsUnknownFieldsInsideAFileEntry() {
    ManifestProto p = parse(ManifestCodec.encode(sample()));
    FileProto f = FileProto.newBuilder(p.getFiles(0))
        .setUnknownFields(UnknownFieldSet.newBuilder()
            .addField(7, UnknownFieldSet.Field.newBuilder().addFixed32(3).build()).build())
        .build();
    byte[] bytes = ManifestProto.newBuilder(p).setFiles(0, f).build().toByteArray();
    assertThrows(ManifestFormatException.class, () -> ManifestCodec.decode(bytes));
  }

  @Test
  void rejectsGarbage() {
    assertThrows(ManifestFormatException.class, () -> ManifestCodec.decode(new byte[] {(byte) 0xff, 0x01, 0x02}));
  }

  @Test
  void rejectsWrongChunkCount() {
    ManifestProto p = parse(ManifestCodec.encode(sample()));
    FileProto f = FileProto.newBuilder(p.getFiles(0)).setSize(3L * CS).build();
    ManifestFormatException e = assertThrows(ManifestFormatException.class,
        () -> ManifestCodec.decode(ManifestProto.newBuilder(p).setFiles(0, f).build().toByteArray()));
    assertTrue(e.getMessage().contains("needs 3 chunks"), e.getMessage());
  }

  @Test
  void rejectsShortDigest() {
    ManifestProto p = parse(ManifestCodec.encode(sample()));
    FileProto f = FileProto.newBuilder(p.getFiles(1)).setChunkDigests(0, ByteString.copyFrom(new byte[31])).build();
    assertThrows(ManifestFormatException.class,
        () -> ManifestCodec.decode(ManifestProto.newBuilder(p).setFiles(1, f).build().toByteArray()));
  }

  @Test
  void rejectsHostilePathsAndDuplicates() {
    for (String bad : List.of("../etc/passwd", "/abs", "a//b", "a/./b", "a/..", "x\u0000y", "")) {
      ManifestProto p = parse(ManifestCodec.encode(sample()));
      FileProto f = FileProto.newBuilder(p.getFiles(1)).setPath(bad).build();
      byte[] bytes = ManifestProto.newBuilder(p).setFiles(1, f).build().toByteArray();
      assertThrows(ManifestFormatException.class, () -> ManifestCodec.decode(bytes), bad);
    }
    ManifestProto p = parse(ManifestCodec.encode(sample()));
    byte[] dup = ManifestProto.newBuilder(p).addFiles(p.getFiles(2)).build().toByteArray();
    ManifestFormatException e = assertThrows(ManifestFormatException.class, () -> ManifestCodec.decode(dup));
    assertTrue(e.getMessage().contains("duplicate") || e.getMessage().contains("sorted"), e.getMessage());
  }

  @Test
  void rejectsAFileThatIsAlsoADirectory() {
    List<FileEntry> files = new ArrayList<>(sample().files());
    files.add(0, new FileEntry("a", 0, 0644, List.of()));
    assertThrows(IllegalArgumentException.class, () -> Manifest.of("llama", CS, files));
  }

  @Test
  void rejectsOtherFormatVersions() {
    ManifestProto p = ManifestProto.newBuilder(parse(ManifestCodec.encode(sample()))).setFormatVersion(2).build();
    ManifestFormatException e = assertThrows(ManifestFormatException.class, () -> ManifestCodec.decode(p.toByteArray()));
    assertTrue(e.getMessage().contains("version 2"), e.getMessage());
  }

  @Test
  void sourcesRoundTripDeterministically() throws Exception {
    Sources s = new Sources(List.of(
        new Sources.Binding("file:///data/llama/", Map.of("b", "2-100", "a", "1-100")),
        new Sources.Binding("s3://mirror/llama", Map.of("a", "etag1"))));
    byte[] bytes = ManifestCodec.encodeSources(s);
    assertArrayEquals(bytes, ManifestCodec.encodeSources(ManifestCodec.decodeSources(bytes)));
    assertEquals("s3://mirror/llama/", ManifestCodec.decodeSources(bytes).bindings().get(1).uri());
  }

  private static ManifestProto parse(byte[] b) {
    try {
      return ManifestProto.parseFrom(b);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }
}
