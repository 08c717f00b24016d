package io.modelfs.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

class GgufHeaderTest {
  /** A small llama-like file: every metadata value type, arrays of strings and floats, several tensor types. */
  static GgufFile llamaLike() {
    return new GgufFile()
        .string("general.architecture", "llama")
        .string("general.name", "tiny \u00e9")
        .u32("llama.block_count", 2)
        .u8("u8", 200)
        .i16("i16", -3)
        .u64("u64", 1L << 40)
        .f32("f32", 1.5f)
        .f64("f64", -2.25)
        .bool("bool", true)
        .strings("tokenizer.ggml.tokens", List.of("<s>", "</s>", "\u2581the", ""))
        .floats("tokenizer.ggml.scores", new float[] {0f, -1f, -2f, -3f})
        .tensor("token_embd.weight", 1, 64, 4) // F16
        .tensor("blk.0.attn_q.weight", 8, 64, 64) // Q8_0
        .tensor("blk.0.ffn_down.weight", 12, 256, 3) // Q4_K
        .tensor("output_norm.weight", 0, 64); // F32
  }

  @Test
  void parsesEveryValueTypeAndTheTensorLayoutOfAWrittenFile() {
    byte[] file = llamaLike().bytes(new Random(1));
    GgufHeader h = GgufHeader.parse(file);
    assertEquals(3, h.version());
    assertEquals(32, h.alignment());
    Map<String, Object> m = h.metadata();
    assertEquals("llama", m.get("general.architecture"));
    assertEquals("tiny \u00e9", m.get("general.name"));
    assertEquals(2L, m.get("llama.block_count"));
    assertEquals(200L, m.get("u8"));
    assertEquals(-3L, m.get("i16"));
    assertEquals(1L << 40, m.get("u64"));
    assertEquals(1.5f, m.get("f32"));
    assertEquals(-2.25, m.get("f64"));
    assertEquals(true, m.get("bool"));
    assertEquals(new GgufHeader.Array(GgufHeader.ValueType.STRING, 4), m.get("tokenizer.ggml.tokens"));
    assertEquals(new GgufHeader.Array(GgufHeader.ValueType.FLOAT32, 4), m.get("tokenizer.ggml.scores"));
    assertEquals(0, h.dataStart() % 32);
    long[] sizes = {64 * 4 * 2, 64 * 64 / 32 * 34, 256 * 3 / 256 * 144, 64 * 4};
    List<String> names = List.of("token_embd.weight", "blk.0.attn_q.weight", "blk.0.ffn_down.weight", "output_norm.weight");
    long at = h.dataStart();
    for (int i = 0; i < 4; i++) {
      GgufHeader.Tensor t = h.tensors().get(i);
      assertEquals(names.get(i), t.name());
      assertEquals(at, t.begin());
      assertEquals(at + sizes[i], t.end());
      at += (sizes[i] + 31) / 32 * 32;
    }
    assertEquals(file.length, at);
    assertEquals(List.of(64L, 64L), h.tensors().get(1).dims());
    assertEquals(8, h.tensors().get(1).type());
  }

  @Test
  void honoursGeneralAlignmentAndVersion2AndAnEmptyFile() {
    byte[] file = new GgufFile().version(2).alignment(4096).tensor("a", 0, 3).tensor("b", 0, 5).bytes(new Random(2));
    GgufHeader h = GgufHeader.parse(file);
    assertEquals(2, h.version());
    assertEquals(4096, h.alignment());
    assertEquals(4096, h.dataStart());
    assertEquals(List.of(4096L, 8192L), h.tensors().stream().map(GgufHeader.Tensor::begin).toList());
    assertEquals(8192 + 20, h.tensors().get(1).end());
    GgufHeader empty = GgufHeader.parse(new GgufFile().bytes(new Random(3)));
    assertEquals(List.of(), empty.tensors());
    assertEquals(Map.of(), empty.metadata());
  }

  @Test
  void tensorsComeBackInFileOrderWhateverTheirInfoOrder() {
    // Swap the places of the two tensors in the data section: the layout must follow the offsets.
    byte[] xy = new GgufFile().tensor("x", 0, 8).tensor("y", 0, 64).bytes(new Random(5));
    int xOffset = indexOf(xy, GgufFile.str("x")) + GgufFile.str("x").length + 4 + 8 + 4;
    int yOffset = indexOf(xy, GgufFile.str("y")) + GgufFile.str("y").length + 4 + 8 + 4;
    ByteBuffer b = ByteBuffer.wrap(xy).order(java.nio.ByteOrder.LITTLE_ENDIAN);
    b.putLong(xOffset, 256);
    b.putLong(yOffset, 0);
    GgufHeader h = GgufHeader.parse(xy);
    assertEquals(List.of("y", "x"), h.tensors().stream().map(GgufHeader.Tensor::name).toList());
    assertEquals(List.of(h.dataStart(), h.dataStart() + 256), h.tensors().stream().map(GgufHeader.Tensor::begin).toList());
  }

  @Test
  void longStringsAndBigArraysAreCheckedAndSkippedNotHeld() {
    String big = "x".repeat(GgufHeader.MAX_STORED_STRING + 1);
    List<String> many = new ArrayList<>();
    for (int i = 0; i < 100_000; i++) {
      many.add("tok" + i);
    }
    byte[] file = new GgufFile().string("chat_template", big).strings("tokens", many).tensor("t", 0, 4).bytes(new Random(6));
    GgufHeader h = GgufHeader.parse(file);
    assertEquals(new GgufHeader.LongString(big.length()), h.metadata().get("chat_template"));
    assertEquals(new GgufHeader.Array(GgufHeader.ValueType.STRING, 100_000), h.metadata().get("tokens"));
    assertEquals(file.length - 32, h.tensors().get(0).begin());
  }

  @Test
  void readsTheHeaderThroughBoundedWindowsNeverPastItsEnd() {
    List<String> many = new ArrayList<>();
    for (int i = 0; i < 300_000; i++) {
      many.add("token-" + i);
    }
    byte[] file = new GgufFile().strings("tokens", many).tensor("t", 0, 1 << 20).bytes(new Random(7));
    List<long[]> reads = new ArrayList<>();
    GgufHeader h = GgufHeader.parse((offset, dst) -> {
      reads.add(new long[] {offset, dst.remaining()});
      dst.put(file, (int) offset, dst.remaining());
    }, file.length);
    assertTrue(h.dataStart() > 3_000_000, "a header of " + h.dataStart() + " bytes");
    for (long[] r : reads) {
      assertTrue(r[1] <= 1 << 20, "a read of " + r[1] + " bytes");
    }
    long read = reads.stream().mapToLong(r -> r[1]).sum();
    assertTrue(read < h.dataStart() + (1 << 20), read + " bytes read for a header of " + h.dataStart());
  }

  @Test
  void theSourcesOwnFailurePassesThrough() {
    byte[] file = llamaLike().bytes(new Random(8));
    IOException down = new IOException("origin down");
    IOException e = assertThrows(IOException.class, () -> GgufHeader.parse((offset, dst) -> {
      throw down;
    }, file.length));
    assertEquals(down, e);
  }

  @Test
  void rejectsHostileOrBrokenHeadersWithAClearMessage() {
    byte[] good = new GgufFile().string("k", "v").tensor("t", 0, 4).bytes(new Random(9));
    assertRejected(() -> GgufHeader.parse("GGU".getBytes()), "needs 4 bytes");
    assertRejected(() -> GgufHeader.parse(with(good, 0, "GGML".getBytes())), "not a GGUF file");
    assertRejected(() -> GgufHeader.parse(with(good, 4, le32(1))), "version 1");
    assertRejected(() -> GgufHeader.parse(with(good, 4, le32(3 << 24))), "big-endian");
    assertRejected(() -> GgufHeader.parse(with(good, 8, le64(-1))), "tensor count 18446744073709551615");
    assertRejected(() -> GgufHeader.parse(with(good, 8, le64(GgufHeader.MAX_TENSORS + 1))), "tensor count");
    assertRejected(() -> GgufHeader.parse(with(good, 16, le64(1L << 40))), "metadata count");
    assertRejected(() -> GgufHeader.parse(with(good, 8, le64(5))), "0 dimensions"); // the padding read as a tensor
    // key "k": its length at 24; a huge or past-the-end length
    assertRejected(() -> GgufHeader.parse(with(good, 24, le64(Long.MAX_VALUE))), "length 9223372036854775807");
    assertRejected(() -> GgufHeader.parse(with(good, 24, le64(GgufHeader.MAX_NAME))), "past the end");
    // value type at 33, string value length at 37
    assertRejected(() -> GgufHeader.parse(with(good, 33, le32(13))), "unknown value type 13");
    assertRejected(() -> GgufHeader.parse(with(good, 37, le64(-2))), "18446744073709551614 bytes");
    assertRejected(() -> GgufHeader.parse(with(good, 45, new byte[] {(byte) 0xC3})), "UTF-8");
    assertRejected(() -> GgufHeader.parse(Arrays.copyOf(good, 40)), "past the end of the 40-byte file");
    // tensor "t": name at 46, n_dims at 55, dim at 59, type at 67, offset at 71
    assertRejected(() -> GgufHeader.parse(with(good, 55, le32(5))), "5 dimensions");
    assertRejected(() -> GgufHeader.parse(with(good, 55, le32(0))), "0 dimensions");
    assertRejected(() -> GgufHeader.parse(with(good, 59, le64(-1))), "larger than 2^63-1");
    assertRejected(() -> GgufHeader.parse(with(good, 59, le64(1 << 20))), "runs past the end");
    assertRejected(() -> GgufHeader.parse(with(good, 67, le32(4))), "unknown ggml type 4");
    assertRejected(() -> GgufHeader.parse(with(good, 67, le32(-1))), "unknown ggml type 4294967295");
    assertRejected(() -> GgufHeader.parse(with(good, 67, le32(2))), "not a multiple of its block size 32");
    assertRejected(() -> GgufHeader.parse(with(good, 71, le64(3))), "not a multiple of the alignment 32");
    assertRejected(() -> GgufHeader.parse(with(good, 71, le64(Long.MIN_VALUE))), "alignment");
    assertRejected(() -> GgufHeader.parse(with(good, 71, le64(1L << 62))), "runs past the end");
  }

  @Test
  void rejectsBadMetadataValues() {
    assertRejected(() -> GgufHeader.parse(new GgufFile().u32("general.alignment", 24).bytes(new Random(1))), "power of two");
    assertRejected(() -> GgufHeader.parse(new GgufFile().u32("general.alignment", 0).bytes(new Random(1))), "power of two");
    assertRejected(() -> GgufHeader.parse(new GgufFile().f32("general.alignment", 32f).bytes(new Random(1))), "power of two");
    assertRejected(() -> GgufHeader.parse(new GgufFile().kv("b", 7, new byte[] {2}).bytes(new Random(1))), "bool of value 2");
    assertRejected(() -> GgufHeader.parse(new GgufFile().u8("a", 1).u8("a", 2).bytes(new Random(1))), "appears twice");
    assertRejected(() -> GgufHeader.parse(new GgufFile().tensor("t", 0, 1).tensor("t", 0, 1).bytes(new Random(1))),
        "appears twice");
    byte[] nested = GgufFile.le(12).putInt(9).putLong(1).array();
    assertRejected(() -> GgufHeader.parse(new GgufFile().kv("a", 9, nested).bytes(new Random(1))), "array of arrays");
    byte[] huge = GgufFile.le(12).putInt(10).putLong(1L << 61).array();
    assertRejected(() -> GgufHeader.parse(new GgufFile().kv("a", 9, huge).bytes(new Random(1))), "more than the");
    byte[] strings = GgufFile.le(12).putInt(8).putLong(1L << 40).array();
    assertRejected(() -> GgufHeader.parse(new GgufFile().kv("a", 9, strings).bytes(new Random(1))), "more than the");
    byte[] bools = GgufFile.le(14).putInt(7).putLong(2).put((byte) 1).put((byte) 5).array();
    assertRejected(() -> GgufHeader.parse(new GgufFile().kv("a", 9, bools).bytes(new Random(1))), "element 1");
  }

  @Test
  void aHeaderLongerThanTheLimitIsRejectedAfterReadingAtMostTheLimit() {
    long[] read = {0};
    // A file claiming 2^40 bytes whose one string value goes on past the 64 MiB limit.
    byte[] head = new GgufFile().kv("a", 8, GgufFile.le(8).putLong(GgufHeader.MAX_HEADER_BYTES).array()).bytes(new Random(1));
    assertRejected(() -> GgufHeader.parse((offset, dst) -> {
      read[0] += dst.remaining();
      while (dst.hasRemaining()) {
        dst.put(offset < head.length ? head[(int) offset] : 0);
        offset++;
      }
    }, 1L << 40), "limit on a GGUF header");
    assertTrue(read[0] <= GgufHeader.MAX_HEADER_BYTES, read[0] + " bytes read");
  }

  /** Mutated and truncated files: the only failure allowed is IllegalArgumentException. */
  @Test
  void survivesRandomMutationsOfAValidFile() {
    byte[] good = llamaLike().bytes(new Random(10));
    int headerEnd = (int) GgufHeader.parse(good).dataStart();
    Random random = new Random(11);
    int accepted = 0;
    for (int i = 0; i < 5_000; i++) {
      byte[] file = random.nextInt(10) == 0 ? Arrays.copyOf(good, random.nextInt(good.length)) : good.clone();
      for (int k = 1 + random.nextInt(4); k > 0 && file.length > 0; k--) {
        int at = random.nextInt(Math.min(file.length, headerEnd));
        file[at] = random.nextInt(3) == 0 ? (byte) random.nextInt(256) : (byte) (file[at] + random.nextInt(5) - 2);
      }
      try {
        GgufHeader h = GgufHeader.parse(file);
        for (GgufHeader.Tensor t : h.tensors()) {
          assertTrue(h.dataStart() <= t.begin() && t.begin() <= t.end() && t.end() <= file.length, t.toString());
        }
        accepted++;
      } catch (IllegalArgumentException expected) {
        assertTrue(expected.getMessage() != null && !expected.getMessage().isBlank());
      } catch (RuntimeException e) {
        fail("mutation " + i + " threw " + e, e);
      }
    }
    assertTrue(accepted > 0 && accepted < 5_000, accepted + " of 5000 mutations accepted");
  }

  private static byte[] with(byte[] file, int at, byte[] patch) {
    byte[] copy = file.clone();
    System.arraycopy(patch, 0, copy, at, patch.length);
    return copy;
  }

  private static byte[] le32(int v) {
    return GgufFile.le(4).putInt(v).array();
  }

  private static byte[] le64(long v) {
    return GgufFile.le(8).putLong(v).array();
  }

  private static int indexOf(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    throw new AssertionError("not found");
  }

  private static void assertRejected(Executable parse, String mentions) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, parse);
    assertTrue(e.getMessage().contains(mentions), "'" + e.getMessage() + "' should mention '" + mentions + "'");
  }
}
