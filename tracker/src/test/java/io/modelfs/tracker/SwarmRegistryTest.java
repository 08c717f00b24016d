package io.modelfs.tracker;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.modelfs.core.ModelRef;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class SwarmRegistryTest {
  private final SwarmRegistry registry = new SwarmRegistry(Fixtures.limits());
  private final Fixtures.Model llama = Fixtures.model("llama", 10);

  @Test
  void resolvesATagToThePublishedRef() throws Exception {
    registry.publish(llama.ref(), llama.manifest(), llama.sources(), 1_000);
    registry.tag("llama", "", llama.ref(), 1_001);
    assertEquals(Optional.of(llama.ref()), registry.resolve("llama", "latest"));
    assertEquals(Optional.of(llama.ref()), registry.resolve("llama", null));
    assertEquals(Optional.empty(), registry.resolve("llama", "v2"));
    assertEquals(10, registry.requireModel(llama.digest()).chunkCount());
  }

  @Test
  void retagMovesTheName() throws Exception {
    Fixtures.Model v2 = Fixtures.model("llama", 11);
    registry.publish(llama.ref(), llama.manifest(), llama.sources(), 1_000);
    registry.publish(v2.ref(), v2.manifest(), v2.sources(), 1_000);
    registry.tag("llama", "prod", llama.ref(), 1_001);
    registry.tag("llama", "prod", v2.ref(), 1_002);
    assertEquals(Optional.of(v2.ref()), registry.resolve("llama", "prod"));
  }

  @Test
  void keepsTheManifestSignatureThroughRepublishAndSnapshot() throws Exception {
    byte[] sig = "c2lnbmF0dXJl\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    registry.publish(llama.ref(), llama.manifest(), llama.sources(), sig, 1_000);
    assertArrayEquals(sig, registry.requireModel(llama.digest()).signature());
    registry.publish(llama.ref(), llama.manifest(), llama.sources(), 1_001); // unsigned re-publish of sources
    assertArrayEquals(sig, registry.requireModel(llama.digest()).signature(), "an unsigned re-publish keeps the signature");
    SwarmRegistry restored = SwarmRegistry.restore(registry.snapshot(), Fixtures.limits());
    assertArrayEquals(sig, restored.requireModel(llama.digest()).signature(), "the signature is part of the snapshot");
    byte[] newer = "bmV3ZXI=\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    registry.publish(llama.ref(), llama.manifest(), llama.sources(), newer, 1_002);
    assertArrayEquals(newer, registry.requireModel(llama.digest()).signature(), "a signed re-publish replaces it");
    Fixtures.Model plain = Fixtures.model("plain", 3);
    registry.publish(plain.ref(), plain.manifest(), plain.sources(), 1_003);
    assertEquals(0, registry.requireModel(plain.digest()).signature().length);
  }

  @Test
  void rejectsAnOversizedSignatureAndStoresNothing() {
    byte[] huge = new byte[SwarmRegistry.MAX_SIGNATURE_BYTES + 1];
    TrackerException e = assertThrows(TrackerException.class,
        () -> registry.publish(llama.ref(), llama.manifest(), llama.sources(), huge, 1));
    assertEquals(TrackerException.Code.INVALID, e.code());
    assertTrue(e.getMessage().contains("signature of " + llama.ref()), e.getMessage());
    assertEquals(0, registry.modelCount());
  }

  @Test
  void rejectsManifestWhoseBytesDoNotHashToTheRef() {
    Fixtures.Model other = Fixtures.model("other", 3);
    ModelRef lie = new ModelRef("llama", other.digest());
    TrackerException e = assertThrows(TrackerException.class, () -> registry.publish(lie, llama.manifest(), llama.sources(), 1));
    assertEquals(TrackerException.Code.INVALID, e.code());
    assertTrue(e.getMessage().contains("do not hash to"), e.getMessage());
    assertEquals(0, registry.modelCount());
  }

  @Test
  void rejectsMalformedManifestAndSources() {
    byte[] junk = {1, 2, 3, 4};
    ModelRef ref = new ModelRef("junk", io.modelfs.core.Digest.sha256(junk));
    assertEquals(TrackerException.Code.INVALID,
        assertThrows(TrackerException.class, () -> registry.publish(ref, junk, new byte[0], 1)).code());
    assertEquals(TrackerException.Code.INVALID,
        assertThrows(TrackerException.class, () -> registry.publish(llama.ref(), llama.manifest(), junk, 1)).code());
  }

  @Test
  void rejectsTagOfUnknownModelAndBadNames() {
    assertEquals(TrackerException.Code.UNKNOWN_MODEL,
        assertThrows(TrackerException.class, () -> registry.tag("llama", "latest", llama.ref(), 1)).code());
    assertThrows(TrackerException.class, () -> registry.checkTag("bad name", "latest", llama.ref()));
    assertThrows(TrackerException.class, () -> registry.checkTag("llama", "bad/tag", llama.ref()));
  }

  @Test
  void rejectsBadNodeIdsAddressesAndUnknownNodes() {
    assertThrows(TrackerException.class, () -> registry.register("", "h:1", "", 0, 1));
    assertThrows(TrackerException.class, () -> registry.register("a b", "h:1", "", 0, 1));
    assertThrows(TrackerException.class, () -> registry.register("n1", "no-port", "", 0, 1));
    assertThrows(TrackerException.class, () -> registry.register("n1", "h:70000", "", 0, 1));
    assertEquals(TrackerException.Code.UNKNOWN_NODE,
        assertThrows(TrackerException.class, () -> registry.heartbeat("ghost", List.of(), 1)).code());
  }

  @Test
  void refusesNodesBeyondTheCap() throws Exception {
    SwarmRegistry small = new SwarmRegistry(new RegistryLimits(60_000, 60_000, 2, 2, 1 << 20));
    small.register("n1", "h:1", "", 0, 1);
    small.register("n2", "h:2", "", 0, 1);
    small.register("n1", "h:9", "", 0, 2); // re-registering is not a new node
    assertEquals(TrackerException.Code.CONFLICT,
        assertThrows(TrackerException.class, () -> small.register("n3", "h:3", "", 0, 3)).code());
  }

  @Test
  void forgetsNodesThatStopHeartbeatingAndModelsNobodyWants() throws Exception {
    long minute = 60_000;
    registry.register("alive", "h:1", "z", 0, 0);
    registry.register("dead", "h:2", "z", 0, 0);
    Fixtures.Model named = Fixtures.model("named", 2);
    Fixtures.Model held = Fixtures.model("held", 2);
    Fixtures.Model orphan = Fixtures.model("orphan", 2);
    for (Fixtures.Model m : List.of(named, held, orphan)) {
      registry.publish(m.ref(), m.manifest(), m.sources(), 0);
    }
    registry.tag("named", "latest", named.ref(), 0);
    for (long t = minute; t <= 70 * minute; t += minute) {
      registry.heartbeat("alive", List.of(held.digest()), t);
      registry.expireIfDue(t);
    }
    assertTrue(registry.node("alive").isPresent());
    assertFalse(registry.node("dead").isPresent(), "a node silent for 70 min with a 2 min TTL is gone");
    assertTrue(registry.model(named.digest()).isPresent(), "a named model stays");
    assertTrue(registry.model(held.digest()).isPresent(), "a held model stays");
    assertFalse(registry.model(orphan.digest()).isPresent(), "an unnamed, unheld model expires after the model TTL");
  }

  @Test
  void snapshotRestoresEqualStateAndEqualBytes() throws Exception {
    registry.register("n1", "10.0.0.1:7400", "rack-1", 1 << 30, 5);
    registry.publish(llama.ref(), llama.manifest(), llama.sources(), 6);
    registry.tag("llama", "v1", llama.ref(), 7);
    registry.heartbeat("n1", List.of(llama.digest()), 8);
    byte[] snap = registry.snapshot();
    SwarmRegistry restored = SwarmRegistry.restore(snap, Fixtures.limits());
    assertArrayEquals(snap, restored.snapshot());
    assertEquals(Optional.of(llama.ref()), restored.resolve("llama", "v1"));
    assertArrayEquals(llama.manifest(), restored.requireModel(llama.digest()).manifest());
    assertEquals("rack-1", restored.requireNode("n1").zone());
  }

  @Test
  void restoreRejectsGarbage() {
    assertThrows(TrackerException.class, () -> SwarmRegistry.restore(new byte[] {(byte) 0xff, 1, 2}, Fixtures.limits()));
  }
}
