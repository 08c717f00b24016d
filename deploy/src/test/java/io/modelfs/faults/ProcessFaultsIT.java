package io.modelfs.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.modelfs.core.Digest;
import io.modelfs.core.ModelRef;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Processes killed with {@code kill -9} in the middle of work, the built jar in child processes:
 * a peer killed while another agent reads a chunk from it through its mount, and an agent killed
 * mid-pull then restarted on the same store. For each: the read completes with the exact bytes
 * (never a byte of the cut-off chunk), every stored chunk re-hashes correctly, none is lost, and
 * what was stored before the kill is not fetched again.
 */
class ProcessFaultsIT {
  private static final Logger log = LoggerFactory.getLogger(ProcessFaultsIT.class);
  private static final int MIB = 1 << 20;
  private static final Pattern VERIFIED = Pattern.compile("verified (\\d+) chunks .*: all good");

  @TempDir Path tmp;
  private Modelfs modelfs;

  @AfterEach
  void stopAll() throws Exception {
    if (modelfs != null) {
      modelfs.close();
    }
  }

  @Test
  void aPeerKilledMidChunkLeavesTheReaderWithTheExactBytesFromTheOrigin() throws Exception {
    modelfs = new Modelfs(tmp);
    byte[] weights = randomBytes(24 * MIB + 123, 1);
    Path model = Files.createDirectories(tmp.resolve("origin/model"));
    Files.write(model.resolve("weights.bin"), weights);
    Path manifests = Files.createDirectories(tmp.resolve("manifests"));
    ModelRef ref = modelfs.importModel(model.toString(), "peer-kill", manifests, "4MiB");
    Path key = Files.writeString(tmp.resolve("swarm.key"), "fault-injection-swarm-secret-0123456789\n");

    int portA = Modelfs.freePort();
    Modelfs.Agent a = modelfs.startAgent("a", null, manifests, swarm("a", portA, key));
    Modelfs.Run pulled = modelfs.run(List.of("pull", "--agent", a.control().toString(), ref.toString()), 120);
    assertEquals(0, pulled.exit(), pulled.all());

    // B dials A through a proxy that passes A's bytes at 2 MiB/s: a 4 MiB chunk is in flight for 2 s.
    try (TcpFaultProxy toA = new TcpFaultProxy(new InetSocketAddress("127.0.0.1", portA), 2L * MIB)) {
      List<String> optionsB = new java.util.ArrayList<>(swarm("b", Modelfs.freePort(), key));
      optionsB.addAll(List.of("--peer", "127.0.0.1:" + toA.port(), "--read-timeout", "60s"));
      Modelfs.Agent b = modelfs.startAgent("b", null, manifests, optionsB);
      awaitBytes(toA, 1, 60); // the handshake and bitfields went through
      long before = toA.downstreamBytes.get();
      Process reader = modelfs.startRead(b.file(ref, "weights.bin"));
      awaitBytes(toA, before + 5 * MIB / 2, 60); // well into a chunk
      Modelfs.kill9(a);
      long atKill = toA.downstreamBytes.get() - before;
      Modelfs.Read r = Modelfs.result(reader, 120);
      assertTrue(r.ok(), "the read failed with errno " + r.errno() + " after the peer died\n" + OriginFaultsIT.tail(b.logText()));
      assertEquals(Digest.sha256(weights).hex(), r.sha256(), "wrong bytes after the peer died mid-chunk");
      assertTrue(atKill > 2 * MIB && atKill < 24 * MIB, "A was killed while sending (" + atKill + " bytes had passed)");
      assertEquals(7, verifiedChunks(List.of("verify", "--agent", b.control().toString())),
          "B holds every chunk, each intact");
      log.info("peer killed mid-chunk: {} bytes had come from A when it was killed; B's reader got the exact bytes in {} s",
          atKill, r.seconds());
    }
  }

  @Test
  void anAgentKilledMidPullKeepsWhatItStoredAndARestartFinishesThePull() throws Exception {
    modelfs = new Modelfs(tmp);
    byte[] weights = randomBytes(20 * MIB + 77, 2);
    Path model = Files.createDirectories(tmp.resolve("origin/model"));
    Files.write(model.resolve("weights.bin"), weights);
    Files.writeString(model.resolve("config.json"), "{\"layers\": 4}\n");
    int port = Modelfs.freePort();
    modelfs.start(new ProcessBuilder("python3", Path.of("local/origin.py").toAbsolutePath().toString(),
        tmp.resolve("origin").toString(), "127.0.0.1", Integer.toString(port)).redirectErrorStream(true)
        .redirectOutput(tmp.resolve("origin.log").toFile()));
    try (FaultProxy proxy = new FaultProxy(URI.create("http://127.0.0.1:" + port + "/"))) {
      awaitPort(port);
      Path manifests = Files.createDirectories(tmp.resolve("manifests"));
      ModelRef ref = modelfs.importModel(proxy.uri("model/").toString(), "pull-kill", manifests);
      int chunks = 21 + 1;
      proxy.heal();
      proxy.bytesPerSecond = MIB / 4; // 4 s per chunk: the pull would take over 20 s

      Modelfs.Agent first = modelfs.startAgent("node", null, manifests, List.of("--read-timeout", "30s", "--fetch-threads", "2"));
      Process pull = modelfs.start(new ProcessBuilder("java", "-jar", Modelfs.JAR.toString(), "pull", "--agent",
          first.control().toString(), ref.toString()).redirectErrorStream(true).redirectOutput(tmp.resolve("pull-1.log").toFile()));
      // Kill once the agent says it has stored at least 4 chunks: those must survive.
      long stored = 0;
      for (int i = 0; i < 60 && stored < 4; i++) {
        stored = storedChunks(first);
      }
      Modelfs.kill9(first);
      assertTrue(stored >= 4 && stored < chunks, "the kill was not mid-pull: " + stored + " of " + chunks + " chunks stored");
      assertTrue(pull.waitFor(60, TimeUnit.SECONDS), "the pull command hung after its agent died");
      assertNotEquals(0, pull.exitValue(), "the pull of a killed agent reports failure: " + Files.readString(tmp.resolve("pull-1.log")));
      Modelfs.unmount(first.mount());

      // Offline, the store holds at least what the agent had reported stored, each chunk intact.
      long kept = verifiedChunks(List.of("verify", "--store", first.store().toString()));
      assertTrue(kept >= stored, "the agent reported " + stored + " chunks stored but " + kept + " survived kill -9");

      proxy.heal();
      Modelfs.Agent second = modelfs.startAgent("node", null, manifests, List.of("--read-timeout", "10s"));
      Modelfs.Run again = modelfs.run(List.of("pull", "--agent", second.control().toString(), ref.toString()), 180);
      assertEquals(0, again.exit(), again.all());
      long refetched = proxy.bodyBytes.get();
      assertTrue(refetched <= (chunks - kept) * (long) MIB,
          "the restarted agent fetched " + refetched + " bytes again though " + kept + " chunks were stored");
      assertEquals(chunks, verifiedChunks(List.of("verify", "--agent", second.control().toString())));
      Modelfs.Read r = modelfs.read(second.file(ref, "weights.bin"), 60);
      assertTrue(r.ok(), "errno " + r.errno());
      assertEquals(Digest.sha256(weights).hex(), r.sha256());
      log.info("agent killed mid-pull: {} of {} chunks reported stored, {} intact after kill -9; the restarted agent"
          + " fetched {} bytes ({} chunks' worth) and finished the pull", stored, chunks, kept, refetched, chunks - kept);
    }
  }

  private static List<String> swarm(String id, int port, Path key) {
    return List.of("--listen", "127.0.0.1:" + port, "--node-id", id, "--swarm-key-file", key.toString());
  }

  private static final Pattern STORE = Pattern.compile("store .*: (\\d+) chunks");

  /** What {@code modelfs ls} says the running agent's store holds. */
  private long storedChunks(Modelfs.Agent agent) throws Exception {
    Modelfs.Run ls = modelfs.run(List.of("ls", "--agent", agent.control().toString()), 60);
    Matcher m = STORE.matcher(ls.out());
    assertTrue(ls.exit() == 0 && m.find(), ls.all());
    return Long.parseLong(m.group(1));
  }

  private long verifiedChunks(List<String> verify) throws Exception {
    Modelfs.Run v = modelfs.run(verify, 120);
    assertEquals(0, v.exit(), "verify found a corrupt chunk or failed:\n" + v.all());
    Matcher m = VERIFIED.matcher(v.out());
    assertTrue(m.find(), v.all());
    return Long.parseLong(m.group(1));
  }

  private static void awaitBytes(TcpFaultProxy proxy, long bytes, int seconds) throws InterruptedException {
    for (int i = 0; i < seconds * 20 && proxy.downstreamBytes.get() < bytes; i++) {
      Thread.sleep(50);
    }
    assertTrue(proxy.downstreamBytes.get() >= bytes, "only " + proxy.downstreamBytes.get() + " bytes came from the peer in "
        + seconds + " s, expected " + bytes);
  }

  private static void awaitPort(int port) throws InterruptedException {
    for (int i = 0; i < 100; i++) {
      try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
        return;
      } catch (IOException e) {
        Thread.sleep(100);
      }
    }
    throw new AssertionError("nothing listens on " + port);
  }

  private static byte[] randomBytes(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }
}
