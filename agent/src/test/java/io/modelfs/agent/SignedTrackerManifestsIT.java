package io.modelfs.agent;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.modelfs.agent.control.ControlClient;
import io.modelfs.core.ManifestCodec;
import io.modelfs.core.ManifestSignature;
import io.modelfs.core.ModelRef;
import io.modelfs.core.proto.ControlRequest;
import io.modelfs.core.proto.ControlResponse;
import io.modelfs.core.proto.PullRequest;
import io.modelfs.origin.Importer;
import io.modelfs.origin.Origins;
import io.modelfs.tracker.TrackerClient;
import io.modelfs.tracker.TrackerClients;
import io.modelfs.tracker.TrackerPeers;
import io.modelfs.tracker.TrackerServer;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Manifest signatures carried by the tracker: {@code modelfs import --sign-key --tracker} (the
 * built jar) publishes the {@code <hex>.sig} with the manifest; an agent with
 * {@code --manifest-public-key} and no manifests location (so the tracker is its only source of
 * manifests and signatures) opens the signed model by name and refuses, with a clear error, an
 * unsigned one and one signed with another key.
 */
class SignedTrackerManifestsIT {
  /** The built jar ({@code -Dmodelfs.jar=PATH} for another build of it). */
  private static final Path JAR = Path.of(System.getProperty("modelfs.jar", "target/modelfs.jar")).toAbsolutePath();

  @TempDir Path tmp;
  private TrackerServer tracker;
  private Agent agent;

  @AfterEach
  void stop() {
    if (agent != null) {
      agent.close();
    }
    if (tracker != null) {
      tracker.close();
    }
  }

  @Test
  void anAgentOpensOnlyModelsWhoseTrackerSignatureVerifies() throws Exception {
    int port = AgentTrackerIT.freePort();
    TrackerPeers peers = AgentTrackerIT.oneReplica(port);
    tracker = AgentTrackerIT.startLeader(peers, tmp.resolve("tracker"));

    Path keys = tmp.resolve("keys");
    assertEquals(0, run("keygen", "--out", keys.toString()).exit);
    byte[] signedWeights = weights(tmp.resolve("signed"), 1);
    Run imported = run("import", tmp.resolve("signed").toUri().toString(), "--name", "signed", "--chunk-size", "64KiB",
        "--manifests", tmp.resolve("manifests").toUri().toString(), "--sign-key", keys.resolve("manifest-signing.key").toString(),
        "--tracker", "t1=127.0.0.1:" + port);
    assertEquals(0, imported.exit, imported.all());
    assertTrue(imported.err.contains("(signed) as signed:latest"), imported.all());
    ModelRef signed = ModelRef.parse(imported.out.strip().lines().reduce((a, b) -> b).orElseThrow());

    ModelRef unsigned = publish("unsigned", 2, null);
    KeyPair other = ManifestSignature.generate();
    ModelRef misSigned = publish("missigned", 3, other);

    Path key = Files.writeString(tmp.resolve("swarm.key"), "test-swarm-secret-0123456789abcdef\n");
    AgentConfig config = AgentConfig.of(tmp.resolve("mnt"), tmp.resolve("store"), List.of(), tmp.resolve("agent.sock"))
        .withReadTimeout(Duration.ofSeconds(30));
    SwarmSettings swarm = new SwarmSettings(InetSocketAddress.createUnresolved("127.0.0.1", 0), "node-1", key,
        Map.of("t1", InetSocketAddress.createUnresolved("127.0.0.1", port)), List.of());
    agent = Agent.start(config, swarm, SecuritySettings.fromFlags(null, keys.resolve("manifest-signing.pub")));

    ControlResponse ok = pull("signed:latest");
    assertTrue(ok.hasDone(), "the signed model resolved by name through the tracker was pulled: " + ok);
    assertArrayEquals(signedWeights, Files.readAllBytes(tmp.resolve("mnt").resolve(signed.toString()).resolve("weights.bin")));

    ControlResponse noSig = pull(unsigned.toString());
    assertFalse(noSig.hasDone(), noSig.toString());
    assertTrue(noSig.toString().contains(unsigned.toString()) && noSig.toString().contains("is not signed"), noSig.toString());
    ControlResponse badSig = pull(misSigned.toString());
    assertFalse(badSig.hasDone(), badSig.toString());
    assertTrue(badSig.toString().contains("does not verify with the --manifest-public-key"), badSig.toString());
    assertFalse(Files.exists(tmp.resolve("mnt").resolve(misSigned.toString())), "a mis-signed model is not in the mount");
  }

  /** Imports a model and publishes it to the tracker with a signature made with {@code key} (none if null). */
  private ModelRef publish(String name, int seed, KeyPair key) throws Exception {
    Path dir = tmp.resolve(name);
    weights(dir, seed);
    Importer.Result r = new Importer(new Importer.Config(64 << 10, 2)).run(Origins.open(dir.toString()), name,
        AgentIT.noProgress());
    try (TrackerClient client = TrackerClients.connect(tracker.config().peers())) {
      client.publish(r.ref(), r.manifestBytes(), ManifestCodec.encodeSources(r.sources()),
          key == null ? null : ManifestSignature.sign(key.getPrivate(), r.ref().digest()));
    }
    return r.ref();
  }

  private static byte[] weights(Path dir, int seed) throws Exception {
    Files.createDirectories(dir);
    byte[] b = new byte[200_000];
    new Random(seed).nextBytes(b);
    Files.write(dir.resolve("weights.bin"), b);
    return b;
  }

  private ControlResponse pull(String ref) throws Exception {
    return ControlClient.call(agent.config().control(),
        ControlRequest.newBuilder().setPull(PullRequest.newBuilder().setRef(ref)).build(), r -> { });
  }

  private record Run(int exit, String out, String err) {
    String all() {
      return "exit " + exit + "\nstdout:\n" + out + "\nstderr:\n" + err;
    }
  }

  private Run run(String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("java", "-jar", JAR.toString()));
    cmd.addAll(List.of(args));
    Path out = Files.createTempFile(tmp, "out", ".txt");
    Path err = Files.createTempFile(tmp, "err", ".txt");
    Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      p.waitFor(10, TimeUnit.SECONDS);
      throw new AssertionError("modelfs " + List.of(args) + " did not finish: " + Files.readString(err));
    }
    return new Run(p.exitValue(), Files.readString(out), Files.readString(err));
  }
}
