package io.modelfs.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.modelfs.core.ChunkRef;
import io.modelfs.core.Digest;
import io.modelfs.core.FileEntry;
import io.modelfs.core.Manifest;
import io.modelfs.core.ModelRef;
import io.modelfs.origin.Importer;
import io.modelfs.origin.ManifestStore;
import io.modelfs.origin.Origins;
import io.modelfs.p2p.PeerConfig;
import io.modelfs.p2p.Swarm;
import io.modelfs.p2p.SwarmKey;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
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
 * Agents feeding each other over loopback, each with a real FUSE mount: agent B (then C) reads a
 * model through its mount with the origin's data gone, so every byte comes from the peers; and a peer
 * that serves wrong bytes is banned while the read still succeeds from the origin.
 */
class SwarmAgentsIT {
  private static final int CS = 256 << 10;

  @TempDir Path tmp;
  private Path source;
  private Path manifests;
  private ModelRef ref;
  private Map<String, byte[]> files;
  private Path keyFile;
  private final List<AutoCloseable> open = new ArrayList<>();

  @BeforeEach
  void importModel() throws IOException {
    Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
    source = tmp.resolve("origin");
    Random random = new Random(3);
    files = Map.of("config.json", "{\"layers\": 2}\n".getBytes(), "model.bin", bytes(random, 12 * CS + 777),
        "extra/tokenizer.bin", bytes(random, 2 * CS));
    for (var e : files.entrySet()) {
      Path p = source.resolve(e.getKey());
      Files.createDirectories(p.getParent());
      Files.write(p, e.getValue());
    }
    Importer.Result r = new Importer(new Importer.Config(CS, 2)).run(Origins.open(source.toString()), "swarm-model",
        AgentIT.noProgress());
    manifests = source.resolve(".modelfs/manifests");
    ref = new ManifestStore(Origins.open(manifests.toString())).publish(r);
    keyFile = Files.writeString(tmp.resolve("swarm.key"), "test-swarm-secret-0123456789abcdef\n");
  }

  @AfterEach
  void closeAll() throws Exception {
    for (int i = open.size() - 1; i >= 0; i--) {
      open.get(i).close();
    }
  }

  private Agent agent(String id, List<InetSocketAddress> peers) throws IOException {
    AgentConfig config = AgentConfig.of(tmp.resolve(id + "/mnt"), tmp.resolve(id + "/store"),
            List.of(manifests.toUri().toString()), tmp.resolve(id + ".sock"))
        .withReadTimeout(Duration.ofSeconds(30))
        .withFetchThreads(4)
        .withReadaheadChunks(2)
        .withOriginAttempts(2);
    SwarmSettings swarm = new SwarmSettings(InetSocketAddress.createUnresolved("127.0.0.1", 0), id, keyFile, Map.of(),
        peers.stream().map(a -> InetSocketAddress.createUnresolved("127.0.0.1", a.getPort())).toList());
    Agent a = Agent.start(config, swarm);
    open.add(a);
    return a;
  }

  @Test
  void agentBReadsTheWholeModelFromAgentAWithTheOriginSwitchedOff() throws Exception {
    Agent a = agent("a", List.of());
    for (String f : files.keySet()) {
      assertEquals(Digest.sha256(files.get(f)).hex(), sha256sum(a, f), "A read " + f);
    }
    long originLoads = a.storeStats().loads();
    for (String f : files.keySet()) {
      Files.delete(source.resolve(f)); // the origin's data is gone; the manifests stay
    }
    Agent b = agent("b", List.of(a.peerAddress()));
    awaitPeer(b, "a");
    for (String f : files.keySet()) {
      assertEquals(Digest.sha256(files.get(f)).hex(), sha256sum(b, f), "B read " + f + " from A");
    }
    assertEquals(0, b.storeStats().loadFailures(), "B never needed the (missing) origin");
    assertEquals(originLoads, b.storeStats().chunks(), "B holds every chunk A fetched from the origin");
    assertEquals(List.of("b"), a.peers());
    // A third node dialling both gets every chunk from them.
    Agent c = agent("c", List.of(a.peerAddress(), b.peerAddress()));
    awaitPeer(c, "a");
    awaitPeer(c, "b");
    for (String f : files.keySet()) {
      assertEquals(Digest.sha256(files.get(f)).hex(), sha256sum(c, f), "C read " + f + " from A and B");
    }
    assertEquals(0, c.storeStats().loadFailures(), "C never needed the (missing) origin");
  }

  @Test
  void aPeerThatServesWrongBytesIsBannedAndTheReadSucceedsFromTheOrigin() throws Exception {
    Manifest manifest = new ManifestStore(Origins.open(manifests.toString())).find(ref).orElseThrow().manifest();
    // The liar holds a file of the right size but wrong content for every chunk and announces them all.
    Path junk = Files.write(tmp.resolve("junk"), bytes(new Random(9), CS));
    Map<Digest, Path> lies = new HashMap<>();
    int chunks = 0;
    for (FileEntry f : manifest.files()) {
      for (int i = 0; i < f.chunks().size(); i++) {
        ChunkRef c = f.chunk(i, CS);
        lies.put(c.digest(), c.size() == CS ? junk : Files.write(tmp.resolve("junk-" + chunks), new byte[c.size()]));
        chunks++;
      }
    }
    Swarm liar = Swarm.start(PeerConfig.of("liar", new InetSocketAddress("127.0.0.1", 0), SwarmKey.read(keyFile)),
        d -> Optional.ofNullable(lies.get(d)));
    open.add(liar);
    BitSet all = new BitSet();
    all.set(0, chunks);
    liar.holdings(ref.digest(), chunks, all);
    Agent b = agent("b", List.of(liar.address()));
    awaitPeer(b, "liar");
    assertEquals(Digest.sha256(files.get("model.bin")).hex(), sha256sum(b, "model.bin"));
    assertTrue(b.storeStats().verificationFailures() >= 1, "the liar's bytes were refused");
    for (int i = 0; i < 200 && !b.peers().isEmpty(); i++) {
      Thread.sleep(10);
    }
    assertEquals(List.of(), b.peers(), "the liar was disconnected");
  }

  private static void awaitPeer(Agent agent, String peer) throws InterruptedException {
    for (int i = 0; i < 500 && !agent.peers().contains(peer); i++) {
      Thread.sleep(20);
    }
    assertTrue(agent.peers().contains(peer), "never connected to " + peer);
    Thread.sleep(300); // the peer's bitfield follows the handshake
  }

  /** Reads a file through the agent's mount in a child process (a JVM must not fault on its own mount). */
  private String sha256sum(Agent agent, String file) throws IOException, InterruptedException {
    Path p = agent.config().mount().resolve(ref.toString()).resolve(file);
    Process proc = new ProcessBuilder("sha256sum", p.toString()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    String out = new String(proc.getInputStream().readAllBytes()).strip();
    assertTrue(proc.waitFor(60, TimeUnit.SECONDS), "sha256sum finished");
    assertEquals(0, proc.exitValue(), "sha256sum " + p + ": " + out);
    return out.split("\\s+")[0];
  }

  private static byte[] bytes(Random r, int n) {
    byte[] b = new byte[n];
    r.nextBytes(b);
    return b;
  }
}
