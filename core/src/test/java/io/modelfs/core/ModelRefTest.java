package io.modelfs.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ModelRefTest {
  private static final String HEX = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

  @Test
  void parsesAndPrintsTheSameRef() {
    ModelRef r = ModelRef.parse("llama-3-8b@sha256:" + HEX);
    assertEquals("llama-3-8b", r.name());
    assertEquals(HEX, r.digest().hex());
    assertEquals("llama-3-8b@sha256:" + HEX, r.toString());
  }

  @Test
  void acceptsUpperCaseHexAndPrintsLowerCase() {
    assertEquals(HEX, ModelRef.parse("m@sha256:" + HEX.toUpperCase()).digest().hex());
  }

  @Test
  void rejectsMalformedRefsWithAMessageThatSaysTheFormat() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ModelRef.parse("llama:latest"));
    assertTrue(e.getMessage().contains("<name>@sha256:<64 hex>"), e.getMessage());
    for (String bad : new String[] {
        "@sha256:" + HEX, "m@sha256:" + HEX.substring(1), "m@sha256:" + HEX + "0", "m@sha256:" + HEX.replace('f', 'g'),
        "../x@sha256:" + HEX, "a/b@sha256:" + HEX, ".hidden@sha256:" + HEX, "m@sha512:" + HEX}) {
      assertThrows(IllegalArgumentException.class, () -> ModelRef.parse(bad), bad);
      assertFalse(ModelRef.looksLikeRef(bad), bad);
    }
  }

  @Test
  void digestsCompareByValue() {
    assertEquals(Digest.parse(HEX), Digest.sha256("test".getBytes()));
    assertEquals(Digest.parse(HEX).hashCode(), Digest.sha256("test".getBytes()).hashCode());
  }
}
