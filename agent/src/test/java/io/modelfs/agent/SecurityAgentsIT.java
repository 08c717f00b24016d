package io.modelfs.agent;

import io.modelfs.core.testing.TestPki;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.modelfs.agent.control.ControlClient;
import io.modelfs.core.ChunkRef;
import io.modelfs.core.ManifestSignature;
import io.modelfs.core.ModelRef;
import io.modelfs.core.proto.ControlRequest;
import io.modelfs.core.proto.ControlResponse;
import io.modelfs.core.proto.PullRequest;
import io.modelfs.origin.Importer;
import io.modelfs.origin.ManifestStore;
import io.modelfs.origin.Origins;
import io.modelfs.p2p.PeerConfig;
import io.modelfs.p2p.PeerFetchException;
import io.modelfs.p2p.Swarm;
import io.modelfs.p2p.SwarmKey;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Authorisation and manifest trust on real agents (FUSE mount, control socket, swarm on loopback):
 * a peer gets chunks of the models an agent serves and nothing else from its store; an agent with
 * a manifest key pulls and mounts signed models only.
 */
class SecurityAgentsIT {
  private static final int CS = 256 << 10;

  @TempDir Path tmp;
  private Path manifests;
  private Path keyFile;
  private final List<AutoCloseable> open = new ArrayList<>();

  @BeforeEach
  void setUp() throws IOException {
    Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
    manifests = tmp.resolve("manifests");
    keyFile = Files.writeString(tmp.resolve("swarm.key"), "test-swarm-secret-0123456789abcdef\n");
  }

  @AfterEach
  void closeAll() throws Exception {
    for (int i = open.size() - 1; i >= 0; i--) {
      open.get(i).close();
    }
  }

  /** Imports a one-file model of {@code chunks} chunks; signs it with {@code key} unless null. */
  private ModelRef model(String name, int chunks, PrivateKey key) throws IOException {
    Path dir = Files.createDirectories(tmp.resolve("origin-" + name));
    byte[] data = new byte[chunks * CS - 100];
    new Random(name.hashCode()).nextBytes(data);
    Files.write(dir.resolve("weights.bin"), data);
    Importer.Result r = new Importer(new Importer.Config(CS, 2)).run(Origins.open(dir.toString()), name, AgentIT.noProgress());
    return new ManifestStore(Origins.open(manifests.toString())).publish(r, key);
  }

  private Agent agent(String id, boolean swarm, SecuritySettings security) throws IOException {
    AgentConfig config = AgentConfig.of(tmp.resolve(id + "/mnt"), tmp.resolve(id + "/store"),
            List.of(manifests.toUri().toString()), tmp.resolve(id + ".sock"))
        .withReadTimeout(Duration.ofSeconds(30)).withFetchThreads(2).withOriginAttempts(2);
    SwarmSettings s = swarm ? new SwarmSettings(InetSocketAddress.createUnresolved("127.0.0.1", 0), id, keyFile, Map.of(),
        List.of()) : SwarmSettings.none();
    Agent a = Agent.start(config, s, security);
    open.add(a);
    return a;
  }

  private Agent tlsAgent(String id, io.modelfs.core.TlsFiles tls, List<InetSocketAddress> peers) throws IOException {
    AgentConfig config = AgentConfig.of(tmp.resolve(id + "/mnt"), tmp.resolve(id + "/store"),
            List.of(manifests.toUri().toString()), tmp.resolve(id + ".sock"))
        .withReadTimeout(Duration.ofSeconds(30)).withFetchThreads(2).withOriginAttempts(1);
    SwarmSettings s = new SwarmSettings(InetSocketAddress.createUnresolved("127.0.0.1", 0), id, keyFile, Map.of(),
        peers.stream().map(p -> InetSocketAddress.createUnresolved("127.0.0.1", p.getPort())).toList()).withTls(tls);
    Agent a = Agent.start(config, s, SecuritySettings.none());
    open.add(a);
    return a;
  }

  @Test
  void agentsWithCertificatesFromTheSwarmCaShareChunksOverTlsAndAnImpostorIsRefused() throws Exception {
    TestPki pki = new TestPki("swarm-ca", tmp.resolve("pki"));
    ModelRef m = model("tls-model", 3, null);
    Agent a = tlsAgent("a", pki.issue("a"), List.of());
    assertTrue(pull(a, m).hasDone());
    Files.delete(tmp.resolve("origin-tls-model/weights.bin")); // from now on only a peer has the bytes
    Agent impostor = tlsAgent("m", pki.issue("a"), List.of(a.peerAddress())); // a's certificate, another id
    Agent b = tlsAgent("b", pki.issue("b"), List.of(a.peerAddress()));
    for (int i = 0; i < 300 && !b.peers().contains("a"); i++) {
      Thread.sleep(20);
    }
    assertEquals(List.of("a"), b.peers());
    // The pull starts within milliseconds of the handshake, before a's bitfield may have arrived: it
    // must wait for it rather than fail on the (deleted) origin (CI 2026-11-28 18:57 failed here).
    ControlResponse r = pull(b, m);
    assertTrue(r.hasDone(), "b pulled the model from a over TLS: " + r);
    assertEquals(3, b.storeStats().chunks());
    assertFalse(a.peers().contains("m"), "the impostor connected: " + a.peers());
    assertEquals(List.of(), impostor.peers());
  }

  private ControlResponse pull(Agent a, ModelRef ref) throws IOException {
    return ControlClient.call(a.config().control(),
        ControlRequest.newBuilder().setPull(PullRequest.newBuilder().setRef(ref.toString())).build(), r -> { });
  }

  @Test
  void aPeerGetsChunksOfServedModelsButNoOtherChunkOfTheStore() throws Exception {
    ModelRef served = model("served", 2, null);
    ModelRef hidden = model("hidden", 2, null);
    Agent first = agent("a", true, SecuritySettings.none());
    assertTrue(pull(first, hidden).hasDone());
    first.close();
    open.remove(first);
    // The same store, restarted: it holds every chunk of "hidden", but serves only "served".
    Agent a = agent("a", true, SecuritySettings.none());
    assertTrue(pull(a, served).hasDone());
    assertEquals(4, a.storeStats().chunks());

    Swarm peer = Swarm.start(PeerConfig.of("b", new InetSocketAddress("127.0.0.1", 0), SwarmKey.read(keyFile)),
        d -> Optional.empty());
    open.add(peer);
    assertEquals("a", peer.connect(a.peerAddress()).get(10, TimeUnit.SECONDS));
    ChunkRef servedChunk = firstChunk(served);
    Sink sink = new Sink();
    peer.fetch("a", servedChunk, 0, servedChunk.size(), sink);
    assertArrayEquals(java.util.Arrays.copyOf(Files.readAllBytes(tmp.resolve("origin-served/weights.bin")), CS),
        sink.bytes(), "the peer got the served chunk's bytes");
    ChunkRef hiddenChunk = firstChunk(hidden);
    PeerFetchException e = assertThrows(PeerFetchException.class,
        () -> peer.fetch("a", hiddenChunk, 0, hiddenChunk.size(), new Sink()));
    assertEquals(PeerFetchException.Reason.NOT_FOUND, e.reason(), e.getMessage());
    assertEquals(List.of("a"), peer.connected(), "a refusal does not cost the connection");
  }

  private ChunkRef firstChunk(ModelRef ref) throws IOException {
    var m = new ManifestStore(Origins.open(manifests.toString())).find(ref).orElseThrow().manifest();
    return m.files().get(0).chunk(0, m.chunkSize());
  }

  @Test
  void anAgentWithAManifestKeyOpensOnlyModelsSignedWithIt() throws Exception {
    KeyPair publisher = ManifestSignature.generate();
    ModelRef signed = model("signed", 1, publisher.getPrivate());
    ModelRef unsigned = model("unsigned", 1, null);
    ModelRef tampered = model("tampered", 1, publisher.getPrivate());
    Path sig = manifests.resolve(tampered.digest().hex() + ManifestSignature.SUFFIX);
    byte[] b = Files.readAllBytes(sig);
    b[10] = (byte) (b[10] == 'A' ? 'B' : 'A');
    Files.write(sig, b);
    ModelRef foreign = model("foreign", 1, ManifestSignature.generate().getPrivate());

    Agent a = agent("t", false, new SecuritySettings(null, publisher.getPublic()));
    assertTrue(pull(a, signed).hasDone(), "a signed model pulls");
    assertTrue(Files.isDirectory(a.config().mount().resolve(signed.toString())), "a signed model mounts");
    Map<ModelRef, String> refused = Map.of(unsigned, "is not signed", tampered, "does not verify",
        foreign, "does not verify");
    for (var e : refused.entrySet()) {
      ControlResponse r = pull(a, e.getKey());
      assertTrue(r.hasError(), e.getKey() + " was pulled");
      assertTrue(r.getError().getMessage().contains(e.getKey().toString())
          && r.getError().getMessage().contains(e.getValue()), r.getError().getMessage());
      assertFalse(Files.exists(a.config().mount().resolve(e.getKey().toString())), e.getKey() + " is mounted");
    }
    assertEquals(1, a.storeStats().chunks(), "nothing of a refused model was fetched");
  }

  /** Collects bytes written to it. */
  private static final class Sink implements WritableByteChannel {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    @Override
    public int write(ByteBuffer src) {
      int n = src.remaining();
      byte[] b = new byte[n];
      src.get(b);
      out.write(b, 0, n);
      return n;
    }

    byte[] bytes() {
      return out.toByteArray();
    }

    @Override
    public boolean isOpen() {
      return true;
    }

    @Override
    public void close() {}
  }
}
