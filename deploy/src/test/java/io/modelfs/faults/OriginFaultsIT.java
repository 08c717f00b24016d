package io.modelfs.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.modelfs.core.Digest;
import io.modelfs.core.ModelRef;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Origin faults against a real agent process: the model sits behind deploy/local/origin.py (a
 * real HTTP range server) with a {@link FaultProxy} in front, and the agent reads it through its
 * FUSE mount in reader processes while the proxy storms with 503s, cuts bodies off, or paces
 * them. Each fault reads its own file, so no earlier read hides a fault from a later one. For
 * each: the read completes with the exact bytes or fails with an errno within the read timeout
 * (never hangs, never a wrong byte), the agent recovers without a restart once the origin heals,
 * and {@code modelfs verify} finds every stored chunk intact and none lost.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OriginFaultsIT {
  private static final Logger log = LoggerFactory.getLogger(OriginFaultsIT.class);
  private static final int MIB = 1 << 20;
  private static final int EIO = 5;

  @TempDir static Path tmp;
  private Modelfs modelfs;
  private FaultProxy proxy;
  private ModelRef ref;
  private Modelfs.Agent agent;
  private final Map<String, byte[]> files = new LinkedHashMap<>();

  @BeforeAll
  void startOriginProxyAndAgent() throws Exception {
    modelfs = new Modelfs(tmp);
    Path model = Files.createDirectories(tmp.resolve("origin/model"));
    Random random = new Random(12);
    for (String name : List.of("storm.bin", "blackout.bin", "cut.bin", "slow.bin", "stall.bin")) {
      byte[] b = new byte[6 * MIB + random.nextInt(MIB)];
      random.nextBytes(b);
      files.put(name, b);
      Files.write(model.resolve(name), b);
    }
    int port = Modelfs.freePort();
    Path originLog = tmp.resolve("origin.log");
    modelfs.start(new ProcessBuilder("python3", Path.of("local/origin.py").toAbsolutePath().toString(),
        tmp.resolve("origin").toString(), "127.0.0.1", Integer.toString(port))
        .redirectErrorStream(true).redirectOutput(originLog.toFile()));
    URI upstream = URI.create("http://127.0.0.1:" + port + "/");
    proxy = new FaultProxy(upstream);
    awaitOrigin(port);
    Path manifests = Files.createDirectories(tmp.resolve("manifests"));
    ref = modelfs.importModel(proxy.uri("model/").toString(), "origin-faults", manifests);
    agent = modelfs.startAgent("agent", null, manifests, List.of("--read-timeout", "5s", "--readahead", "2"));
  }

  @AfterEach
  void healProxy() {
    proxy.heal();
  }

  @AfterAll
  void stopAll() throws Exception {
    if (proxy != null) {
      proxy.close();
    }
    modelfs.close();
  }

  @Test
  void a503StormShorterThanTheRetriesIsRiddenOutWithTheRightBytes() throws Exception {
    proxy.fail503Next.set(5);
    Modelfs.Read r = modelfs.read(agent.file(ref, "storm.bin"), 120);
    assertExact("storm.bin", r);
    assertEquals(5, proxy.served503.get(), "the storm hit the agent's requests");
    log.info("503 storm: {} answers 503, read ok with the exact bytes in {} s", proxy.served503.get(), r.seconds());
    assertAllStoredChunksIntact();
  }

  @Test
  void anOriginDownLongerThanTheReadTimeoutFailsReadsWithEioThenRecoversByItself() throws Exception {
    long chunksBefore = assertAllStoredChunksIntact();
    proxy.storm = true;
    Modelfs.Read r = modelfs.read(agent.file(ref, "blackout.bin"), 120);
    assertFalse(r.ok(), "a read during a 503 storm cannot have the bytes");
    assertEquals(EIO, r.errno(), "the reader gets EIO");
    assertTrue(r.seconds() < 30, "the reader waited " + r.seconds() + " s; the read timeout is 5 s");
    assertTrue(proxy.served503.get() > 0);
    int storm503 = proxy.served503.get();
    proxy.heal();
    Modelfs.Read healed = readUntilOk("blackout.bin", 90);
    assertExact("blackout.bin", healed);
    log.info("origin down (every request 503, {} answered): reader got errno {} after {} s; after healing read ok in {} s",
        storm503, r.errno(), r.seconds(), healed.seconds());
    assertTrue(assertAllStoredChunksIntact() >= chunksBefore, "stored chunks were lost");
  }

  @Test
  void bodiesCutOffHalfWayAreResumedAndNoCorruptByteIsServedOrStored() throws Exception {
    proxy.truncateNext.set(4);
    Modelfs.Read r = modelfs.read(agent.file(ref, "cut.bin"), 120);
    assertExact("cut.bin", r);
    assertEquals(4, proxy.truncated.get(), "bodies were cut off under the agent");
    log.info("truncated bodies: {} cut off half-way, read ok with the exact bytes in {} s", proxy.truncated.get(), r.seconds());
    assertAllStoredChunksIntact();
  }

  @Test
  void aSlowOriginIsReadCorrectly() throws Exception {
    proxy.bytesPerSecond = 3L * MIB;
    Modelfs.Read r = modelfs.read(agent.file(ref, "slow.bin"), 120);
    assertExact("slow.bin", r);
    // Every byte of the file came through the paced proxy (a wall-time bound would depend on how many
    // ranged GETs the agent runs at once: 0.98 s in one CI run for 6-7 MiB at 3 MiB/s per response).
    assertTrue(proxy.pacedBytes.get() >= files.get("slow.bin").length,
        "the proxy paced " + proxy.pacedBytes.get() + " body bytes of " + files.get("slow.bin").length);
    log.info("slow origin (3 MiB/s per response): read ok with the exact bytes in {} s", r.seconds());
  }

  @Test
  void aStalledOriginFailsReadsWithinTheTimeoutThenRecoversByItself() throws Exception {
    proxy.bytesPerSecond = 1024;
    Modelfs.Read r = modelfs.read(agent.file(ref, "stall.bin"), 120);
    assertFalse(r.ok(), "a read from a stalled origin cannot have the bytes");
    assertEquals(EIO, r.errno(), "the reader gets EIO");
    assertTrue(r.seconds() < 30, "the reader waited " + r.seconds() + " s; the read timeout is 5 s");
    proxy.heal();
    Modelfs.Read healed = readUntilOk("stall.bin", 90);
    assertExact("stall.bin", healed);
    log.info("stalled origin (1 KiB/s): reader got errno {} after {} s; after healing read ok in {} s", r.errno(),
        r.seconds(), healed.seconds());
    assertAllStoredChunksIntact();
  }

  /** Reads again (each read in a new process) until one has the bytes, for at most {@code seconds}. */
  private Modelfs.Read readUntilOk(String file, int seconds) throws Exception {
    long deadline = System.nanoTime() + seconds * 1_000_000_000L;
    Modelfs.Read r;
    do {
      r = modelfs.read(agent.file(ref, file), 60);
      if (r.ok()) {
        return r;
      }
      assertEquals(EIO, r.errno());
      Thread.sleep(500);
    } while (System.nanoTime() < deadline);
    throw new AssertionError("the agent did not recover in " + seconds + " s: last read got errno " + r.errno()
        + "\nagent log:\n" + tail(agent.logText()));
  }

  private void assertExact(String file, Modelfs.Read r) throws IOException {
    assertTrue(r.ok(), file + ": the read failed with errno " + r.errno() + "\nagent log:\n" + tail(agent.logText()));
    assertEquals(Digest.sha256(files.get(file)).hex(), r.sha256(), file + ": wrong bytes served");
  }

  private static final Pattern VERIFIED = Pattern.compile("verified (\\d+) chunks .*: all good");

  /** {@code modelfs verify} through the agent: every stored chunk re-hashed; returns how many. */
  private long assertAllStoredChunksIntact() throws Exception {
    Modelfs.Run v = modelfs.run(List.of("verify", "--agent", agent.control().toString()), 120);
    assertEquals(0, v.exit(), "verify found a corrupt chunk:\n" + v.all());
    Matcher m = VERIFIED.matcher(v.out());
    assertTrue(m.find(), v.all());
    return Long.parseLong(m.group(1));
  }

  private static void awaitOrigin(int port) throws Exception {
    for (int i = 0; i < 100; i++) {
      try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
        return;
      } catch (IOException e) {
        Thread.sleep(100);
      }
    }
    throw new AssertionError("origin.py did not listen on " + port + " in 10 s");
  }

  static String tail(String log) {
    List<String> lines = log.lines().toList();
    return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
  }
}
