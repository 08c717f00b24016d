package io.modelfs.agent.k8s;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.modelfs.core.Digest;
import io.modelfs.core.ModelRef;
import org.junit.jupiter.api.Test;

class ModelLabelTest {
  private static final String HEX = "4f5c2e0d1b9a8c7e6f5d4c3b2a1908f7e6d5c4b3a29180f7e6d5c4b3a2918071";

  @Test
  void keyIsThePrefixAndTheFirst56HexDigitsAndValueIsTheName() {
    ModelLabel label = ModelLabel.of(ModelRef.parse("llama-3-8b@sha256:" + HEX));
    assertEquals("model.modelfs.io/sha256-" + HEX.substring(0, 56), label.key());
    assertEquals(63, label.key().length() - ModelLabel.PREFIX.length(), "the name part uses the whole 63 characters");
    assertEquals("llama-3-8b", label.value());
  }

  @Test
  void longNamesAreCutTo63AndEndWithALetterOrDigit() {
    String name = "a".repeat(62) + "-" + "b".repeat(65);
    ModelLabel label = ModelLabel.of(new ModelRef(name, Digest.parse(HEX)));
    assertEquals("a".repeat(62), label.value());
    ModelLabel dotted = ModelLabel.of(new ModelRef("m" + ".".repeat(70), Digest.parse(HEX)));
    assertEquals("m", dotted.value());
  }

  @Test
  void theKeyFollowsTheContentNotTheName() {
    ModelLabel a = ModelLabel.of(ModelRef.parse("a@sha256:" + HEX));
    ModelLabel b = ModelLabel.of(ModelRef.parse("b@sha256:" + HEX));
    ModelLabel c = ModelLabel.of(ModelRef.parse("a@sha256:" + "0".repeat(64)));
    assertEquals(a.key(), b.key());
    assertNotEquals(a.key(), c.key());
  }

  @Test
  void rejectsKeysAndValuesKubernetesWouldRefuse() {
    assertThrows(IllegalArgumentException.class, () -> new ModelLabel("other.io/x", "v"));
    assertThrows(IllegalArgumentException.class, () -> new ModelLabel(ModelLabel.PREFIX + "x".repeat(64), "v"));
    assertThrows(IllegalArgumentException.class, () -> new ModelLabel(ModelLabel.PREFIX + "x-", "v"));
    assertThrows(IllegalArgumentException.class, () -> new ModelLabel(ModelLabel.PREFIX + "x", "v".repeat(64)));
    assertThrows(IllegalArgumentException.class, () -> new ModelLabel(ModelLabel.PREFIX + "x", "bad value"));
    assertTrue(ModelLabel.validNamePart("sha256-" + HEX.substring(0, 56)));
  }
}
