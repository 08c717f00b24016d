package io.modelfs.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class ModelPathsTest {
  @Test
  void acceptsOrdinaryRelativePaths() {
    assertEquals(List.of("a", "b", "c.safetensors"), ModelPaths.validate("a/b/c.safetensors"));
    assertEquals(List.of("..."), ModelPaths.validate("..."));
    assertEquals(List.of(".hidden", "x..y"), ModelPaths.validate(".hidden/x..y"));
  }

  @Test
  void rejectsHostilePaths() {
    List<String> hostile = List.of("", "/etc/passwd", "..", "../x", "a/../../x", "a/..", "./a", "a/.", "a//b", "a/",
        "a\\..\\b", "a\u0000b", "a\nb", "x".repeat(256), "a/".repeat(2100) + "b");
    for (String p : hostile) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ModelPaths.validate(p), p);
      assertTrue(e.getMessage().contains("path"), e.getMessage());
    }
  }

  @Test
  void limitsCountUtf8BytesAsLinuxDoes() {
    String e255 = "x" + "\u00e9".repeat(127); // 255 bytes of UTF-8 in 128 characters
    assertEquals(List.of("d", e255), ModelPaths.validate("d/" + e255));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ModelPaths.validate("\u00e9".repeat(128)));
    assertTrue(e.getMessage().contains("255 bytes"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> ModelPaths.validate(("\u20ac".repeat(80) + "/").repeat(18) + "x"));
  }

  @Test
  void sizesAndDurationsParseAsWritten() {
    assertEquals(8L << 20, ByteSize.parse("8MiB"));
    assertEquals(512L << 10, ByteSize.parse("512k"));
    assertEquals(2L << 30, ByteSize.parse("2G"));
    assertEquals(100, ByteSize.parse("100"));
    assertThrows(IllegalArgumentException.class, () -> ByteSize.parse("lots"));
    assertEquals(java.time.Duration.ofMinutes(3), Durations.parse("3m"));
    assertEquals(java.time.Duration.ofMillis(250), Durations.parse("250ms"));
    assertThrows(IllegalArgumentException.class, () -> Durations.parse("soon"));
  }
}
