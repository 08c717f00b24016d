package io.modelfs.tracker;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.modelfs.core.Digest;
import io.modelfs.core.ModelRef;
import java.time.Duration;
import java.util.BitSet;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class TrackerManifestsTest {
  private final Fixtures.Model model = Fixtures.model("llama", 5);

  /** A tracker that answers every manifest request with {@code served} and every name with the model's ref. */
  private static final class Canned implements TrackerClient {
    private final Published served;
    String askedName;
    String askedTag;

    Canned(Published served) {
      this.served = served;
    }

    @Override public Optional<Published> manifest(Digest digest) {
      return Optional.ofNullable(served);
    }

    @Override public Optional<ModelRef> resolve(String name, String tag) {
      askedName = name;
      askedTag = tag;
      return served == null ? Optional.empty() : Optional.of(served.ref());
    }

    @Override public void register(String n, String a, String z, long c) {}
    @Override public void heartbeat(String n, Collection<Digest> m) {}
    @Override public void publish(ModelRef r, byte[] m, byte[] s, byte[] sig) {}
    @Override public void tag(String n, String t, ModelRef r) {}
    @Override public List<Node> neighbours(String n, Optional<Digest> m, int l) { return List.of(); }
    @Override public io.modelfs.core.proto.SwarmViewProto swarm(boolean b) { return io.modelfs.core.proto.SwarmViewProto.getDefaultInstance(); }
    @Override public long ping(String n, io.modelfs.core.proto.Traffic t) { return 1; }
    @Override public long announceAll(String n, Digest m, BitSet h, int c) { return 1; }
    @Override public long announceDelta(String n, Digest m, Collection<Integer> h, Collection<Integer> d) { return 1; }
    @Override public Leases lease(String n, Digest m, Collection<Integer> c, Collection<Integer> r) { return null; }
    @Override public List<Integer> await(String n, Digest m, Collection<Integer> c, Duration t) { return List.of(); }
    @Override public void close() {}
  }

  @Test
  void findsAndVerifiesAManifest() throws Exception {
    TrackerManifests m = new TrackerManifests(new Canned(new TrackerClient.Published(model.ref(), model.manifest(), model.sources())));
    TrackerManifests.Found f = m.find(model.ref()).orElseThrow();
    assertArrayEquals(model.manifest(), f.manifestBytes());
    assertEquals(5, f.manifest().totalChunks());
    assertEquals("file:///data/llama/", f.sources().bindings().get(0).uri());
  }

  @Test
  void passesTheSignatureOnAndNullWhenUnsigned() throws Exception {
    byte[] sig = {'s', 'i', 'g'};
    assertArrayEquals(sig, new TrackerManifests(new Canned(new TrackerClient.Published(model.ref(), model.manifest(),
        model.sources(), sig))).find(model.ref()).orElseThrow().signature());
    assertEquals(null, new TrackerManifests(new Canned(new TrackerClient.Published(model.ref(), model.manifest(),
        model.sources()))).find(model.ref()).orElseThrow().signature());
  }

  @Test
  void refusesBytesThatDoNotHashToTheRef() {
    Fixtures.Model other = Fixtures.model("other", 5);
    TrackerManifests m = new TrackerManifests(new Canned(new TrackerClient.Published(model.ref(), other.manifest(), other.sources())));
    TrackerException e = assertThrows(TrackerException.class, () -> m.find(model.ref()));
    assertEquals(TrackerException.Code.INVALID, e.code());
    assertTrue(e.getMessage().contains("hash to"), e.getMessage());
  }

  @Test
  void resolvesNameAndOptionalTag() throws Exception {
    Canned canned = new Canned(new TrackerClient.Published(model.ref(), model.manifest(), model.sources()));
    TrackerManifests m = new TrackerManifests(canned);
    assertEquals(Optional.of(model.ref()), m.resolve("llama"));
    assertEquals("latest", canned.askedTag);
    m.resolve("llama:v2");
    assertEquals("llama", canned.askedName);
    assertEquals("v2", canned.askedTag);
    assertThrows(TrackerException.class, () -> m.resolve("bad name:v1"));
    assertThrows(TrackerException.class, () -> m.resolve("llama:bad/tag"));
  }
}
