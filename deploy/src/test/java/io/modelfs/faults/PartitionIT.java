package io.modelfs.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.modelfs.core.Digest;
import io.modelfs.core.ModelRef;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node cut off from its peer and healed, with real network namespaces: agents A and B each in
 * their own namespace on a private bridge (in a hub namespace; nothing touches the host's
 * network), the origin's data gone so that B can only get bytes from A. B reads through its mount
 * while the link is down (the bridge port of B's veth set down: every packet dropped), then the
 * link comes back. While cut off, B's reader gets EIO within the read timeout — not a hang, not
 * a wrong byte; once healed, B reconnects by itself and the same read returns the exact bytes.
 * Needs root and iproute2; skipped with a message otherwise. Namespaces are removed even when
 * the test fails.
 */
class PartitionIT {
  private static final Logger log = LoggerFactory.getLogger(PartitionIT.class);
  private static final int MIB = 1 << 20;
  private static final int EIO = 5;

  @TempDir Path tmp;
  private final String prefix = "mfsp" + ThreadLocalRandom.current().nextInt(1000, 9999);
  private final List<String> namespaces = new ArrayList<>();
  private Modelfs modelfs;

  @BeforeEach
  void needsRootAndIproute() throws Exception {
    assumeTrue("root".equals(System.getProperty("user.name")), "PartitionIT needs root (network namespaces, FUSE); skipped");
    assumeTrue(exit(List.of("ip", "-V")) == 0 && exit(List.of("nsenter", "--version")) == 0,
        "PartitionIT needs iproute2 (ip) and nsenter (util-linux); skipped");
  }

  @AfterEach
  void tearDown() throws Exception {
    if (modelfs != null) {
      modelfs.close();
    }
    for (String ns : namespaces) {
      exit(List.of("ip", "netns", "del", ns));
    }
  }

  @Test
  void aNodeCutOffFromItsPeerFailsReadsCleanlyAndRecoversWhenTheLinkComesBack() throws Exception {
    modelfs = new Modelfs(tmp);
    String hub = namespace("hub");
    ip("-n", hub, "link", "add", "br0", "type", "bridge");
    ip("-n", hub, "link", "set", "br0", "up");
    String nsA = node("a", 11);
    String nsB = node("b", 12);

    byte[] weights = new byte[12 * MIB + 5];
    new Random(4).nextBytes(weights);
    Path model = Files.createDirectories(tmp.resolve("origin/model"));
    Files.write(model.resolve("weights.bin"), weights);
    Files.writeString(model.resolve("config.json"), "{\"layers\": 2}\n");
    Path manifests = Files.createDirectories(tmp.resolve("manifests"));
    ModelRef ref = modelfs.importModel(model.toString(), "partition", manifests);
    Path key = Files.writeString(tmp.resolve("swarm.key"), "partition-test-swarm-secret-0123456789\n");

    Modelfs.Agent a = modelfs.startAgent("a", nsA, manifests, swarm("a", "10.232.0.11", key, List.of()));
    Modelfs.Run pulled = modelfs.run(List.of("pull", "--agent", a.control().toString(), ref.toString()), 120);
    assertEquals(0, pulled.exit(), pulled.all());
    // The origin's data goes away: from now on only A has the bytes.
    Files.move(tmp.resolve("origin"), tmp.resolve("origin-gone"));

    Modelfs.Agent b = modelfs.startAgent("b", nsB, manifests,
        swarm("b", "10.232.0.12", key, List.of("--peer", "10.232.0.11:7071", "--read-timeout", "5s")));
    Modelfs.Read config = readUntilOk(b, ref, "config.json", 60);
    assertTrue(config.ok());

    ip("-n", hub, "link", "set", prefix + "v12", "down"); // B is cut off
    Modelfs.Read cut = modelfs.read(b.file(ref, "weights.bin"), 120);
    assertFalse(cut.ok(), "B read the weights while cut off from their only holder");
    assertEquals(EIO, cut.errno(), "the reader gets EIO");
    assertTrue(cut.seconds() < 30, "the reader waited " + cut.seconds() + " s; the read timeout is 5 s");

    ip("-n", hub, "link", "set", prefix + "v12", "up"); // healed
    Modelfs.Read healed = readUntilOk(b, ref, "weights.bin", 120);
    assertEquals(Digest.sha256(weights).hex(), healed.sha256(), "wrong bytes after the partition healed");
    Modelfs.Run v = modelfs.run(List.of("verify", "--agent", b.control().toString()), 120);
    assertEquals(0, v.exit(), v.all());
    assertTrue(v.out().contains("verified 14 chunks"), "B holds every chunk, intact: " + v.out());
    log.info("partition: B's reader got errno {} after {} s while cut off; after healing read ok in {} s", cut.errno(),
        cut.seconds(), healed.seconds());
  }

  private Modelfs.Read readUntilOk(Modelfs.Agent agent, ModelRef ref, String file, int seconds) throws Exception {
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
    throw new AssertionError(file + " still unreadable after " + seconds + " s (errno " + r.errno() + ")\n"
        + OriginFaultsIT.tail(agent.logText()));
  }

  private static List<String> swarm(String id, String ip, Path key, List<String> more) {
    List<String> args = new ArrayList<>(List.of("--listen", ip + ":7071", "--node-id", id, "--swarm-key-file", key.toString()));
    args.addAll(more);
    return args;
  }

  private String namespace(String name) throws Exception {
    String ns = prefix + name;
    ip("netns", "add", ns);
    namespaces.add(ns);
    return ns;
  }

  /** A namespace wired to the hub's bridge as eth0 with 10.232.0.{@code octet}/24. */
  private String node(String name, int octet) throws Exception {
    String ns = namespace(name);
    String hub = prefix + "hub";
    ip("link", "add", prefix + "v" + octet, "type", "veth", "peer", "name", prefix + "p" + octet);
    ip("link", "set", prefix + "v" + octet, "netns", hub);
    ip("link", "set", prefix + "p" + octet, "netns", ns);
    ip("-n", hub, "link", "set", prefix + "v" + octet, "master", "br0", "up");
    ip("-n", ns, "link", "set", prefix + "p" + octet, "name", "eth0");
    ip("-n", ns, "addr", "add", "10.232.0." + octet + "/24", "dev", "eth0");
    ip("-n", ns, "link", "set", "eth0", "up");
    ip("-n", ns, "link", "set", "lo", "up");
    return ns;
  }

  private static void ip(String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("ip"));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertTrue(p.waitFor(20, TimeUnit.SECONDS) && p.exitValue() == 0, String.join(" ", cmd) + " failed: " + out);
  }

  private static int exit(List<String> cmd) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    return p.waitFor(20, TimeUnit.SECONDS) ? p.exitValue() : -1;
  }
}
