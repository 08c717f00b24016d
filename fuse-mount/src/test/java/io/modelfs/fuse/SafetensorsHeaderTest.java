package io.modelfs.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class SafetensorsHeaderTest {
  private static final String GOOD = "{\"__metadata__\":{\"format\":\"pt\"},"
      + "\"b\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[16,32]},"
      + "\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]},"
      + "\"empty\":{\"dtype\":\"U8\",\"shape\":[0],\"data_offsets\":[32,32]}}";

  @Test
  void parsesTensorsInFileOrderWithAbsoluteOffsets() {
    byte[] json = GOOD.getBytes(StandardCharsets.UTF_8);
    long fileSize = 8 + json.length + 32;
    SafetensorsHeader h = SafetensorsHeader.parse(json, fileSize);
    long start = 8 + json.length;
    assertEquals(start, h.dataStart());
    assertEquals(List.of(
        new SafetensorsHeader.Tensor("a", start, start + 16),
        new SafetensorsHeader.Tensor("b", start + 16, start + 32),
        new SafetensorsHeader.Tensor("empty", start + 32, start + 32)), h.tensors());
  }

  @Test
  void acceptsSpacePaddingEscapesAndAnEmptyHeader() {
    String padded = "{\"t\\u00e9\\n\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]}}      ";
    byte[] json = padded.getBytes(StandardCharsets.UTF_8);
    assertEquals("t\u00e9\n", SafetensorsHeader.parse(json, 8 + json.length + 1).tensors().get(0).name());
    assertEquals(List.of(), SafetensorsHeader.parse("{}".getBytes(StandardCharsets.UTF_8), 10).tensors());
  }

  @Test
  void headerLengthIsBoundedAndMustFitTheFile() {
    assertEquals(100, SafetensorsHeader.headerLength(prefix(100), 108));
    assertRejected(() -> SafetensorsHeader.headerLength(prefix(100), 107), "past the end");
    assertRejected(() -> SafetensorsHeader.headerLength(prefix(SafetensorsHeader.MAX_HEADER_LENGTH + 1), Long.MAX_VALUE),
        "outside");
    assertRejected(() -> SafetensorsHeader.headerLength(prefix(-1), Long.MAX_VALUE), "18446744073709551615");
    assertRejected(() -> SafetensorsHeader.headerLength(prefix(0), 100), "outside");
    assertRejected(() -> SafetensorsHeader.headerLength(ByteBuffer.allocate(7), 7), "shorter");
  }

  @Test
  void rejectsHostileOrBrokenHeadersWithAClearMessage() {
    String t = "{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":";
    List<String[]> cases = List.of(
        new String[] {"[]", "not a JSON object"},
        new String[] {"{\"a\":" + t + "[0,100]}}", "not an integer in 0..10"},
        new String[] {"{\"a\":" + t + "[5,4]}}", "after it ends"},
        new String[] {"{\"a\":" + t + "[-1,4]}}", "not an integer"},
        new String[] {"{\"a\":" + t + "[0.5,4]}}", "not an integer"},
        new String[] {"{\"a\":" + t + "[0,99999999999999999999999]}}", "not an integer"},
        new String[] {"{\"a\":" + t + "[0]}}", "data_offsets [begin, end]"},
        new String[] {"{\"a\":{\"shape\":[1],\"data_offsets\":[0,1]}}", "dtype"},
        new String[] {"{\"a\":{\"dtype\":\"U8\",\"shape\":[-1],\"data_offsets\":[0,1]}}", "shape"},
        new String[] {"{\"a\":{\"dtype\":\"U8\",\"data_offsets\":[0,1]}}", "shape"},
        new String[] {"{\"a\":1}", "not a JSON object"},
        new String[] {"{\"__metadata__\":{\"k\":1}}", "__metadata__"},
        new String[] {"{\"a\":" + t + "[0,1]},\"a\":" + t + "[0,1]}}", "duplicate"},
        new String[] {"{\"a\":" + t + "[0,1]}", "end of input"},
        new String[] {"{\"a\":" + t + "[0,1]}} x", "after the value"},
        new String[] {"[".repeat(100), "nesting"},
        new String[] {"{\"a\":\"\u0001\"}", "control character"},
        new String[] {"{\"a\":" + "1".repeat(50) + "}", "longer than"},
        new String[] {"{\"a\\q\":1}", "bad escape"},
        new String[] {"{\"a\\u12\":1}", "\\u escape"},
        new String[] {"{'a':1}", "member name"},
        new String[] {"{\"a\":tru}", "unexpected"});
    for (String[] c : cases) {
      byte[] json = c[0].getBytes(StandardCharsets.UTF_8);
      assertRejected(() -> SafetensorsHeader.parse(json, 8 + json.length + 10), c[1]);
    }
    byte[] badUtf8 = {'{', '"', (byte) 0xC3, '"', ':', '1', '}'};
    assertRejected(() -> SafetensorsHeader.parse(badUtf8, 100), "UTF-8");
    assertRejected(() -> SafetensorsHeader.parse("{}".getBytes(StandardCharsets.UTF_8), 9), "does not fit");
  }

  /** Mutated and truncated headers: the only failure allowed is IllegalArgumentException. */
  @Test
  void survivesRandomMutationsOfAValidHeader() {
    byte[] good = GOOD.getBytes(StandardCharsets.UTF_8);
    Random random = new Random(5);
    int accepted = 0;
    for (int i = 0; i < 20_000; i++) {
      byte[] json = random.nextInt(10) == 0
          ? java.util.Arrays.copyOf(good, 2 + random.nextInt(good.length - 2))
          : good.clone();
      for (int k = 1 + random.nextInt(4); k > 0; k--) {
        int at = random.nextInt(json.length);
        json[at] = random.nextBoolean() ? (byte) random.nextInt(256) : (byte) SYNTAX.charAt(random.nextInt(SYNTAX.length()));
      }
      long fileSize = 8 + json.length + random.nextInt(64);
      try {
        SafetensorsHeader h = SafetensorsHeader.parse(json, fileSize);
        for (SafetensorsHeader.Tensor t : h.tensors()) {
          assertTrue(h.dataStart() <= t.begin() && t.begin() <= t.end() && t.end() <= fileSize, t.toString());
        }
        accepted++;
      } catch (IllegalArgumentException expected) {
        // the contract
      } catch (RuntimeException e) {
        fail("mutation " + i + " of the header threw " + e, e);
      }
    }
    assertTrue(accepted > 0 && accepted < 20_000, accepted + " of 20000 mutations accepted");
  }

  private static final String SYNTAX = "{}[]\":,-0123456789e.\\u";

  private static ByteBuffer prefix(long n) {
    return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, n);
  }

  private static void assertRejected(org.junit.jupiter.api.function.Executable parse, String mentions) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, parse);
    assertTrue(e.getMessage().contains(mentions), "'" + e.getMessage() + "' should mention '" + mentions + "'");
  }
}
