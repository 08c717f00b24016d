package io.modelfs.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.modelfs.agent.control.ControlClient;
import io.modelfs.core.Digest;
import io.modelfs.core.ModelRef;
import io.modelfs.origin.Importer;
import io.modelfs.origin.ManifestStore;
import io.modelfs.origin.Origins;
import io.modelfs.core.proto.ControlRequest;
import io.modelfs.core.proto.ControlResponse;
import io.modelfs.core.proto.PullRequest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A pull waiting on a chunk the origin is slow to refuse, while a peer that holds the chunk
 * connects and announces it: the origin's refusal must not fail the pull, which the peer then
 * serves (the race SecurityAgentsIT met in CI, made deterministic: no tracker, static peers).
 */
@Timeout(180)
class OriginFailsPeerHoldsIT {
  private static final int CS = 256 << 10;

  @TempDir Path tmp;
  private final List<AutoCloseable> open = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    for (int i = open.size() - 1; i >= 0; i--) {
      open.get(i).close();
    }
  }

  @Test
  void theOriginsRefusalDoesNotFailAPullThatAConnectedPeerCanServe() throws Exception {
    Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
    byte[] data = new byte[CS - 100]; // one chunk
    new Random(11).nextBytes(data);
    SlowHttpOrigin origin = new SlowHttpOrigin("weights.bin", data);
    open.add(origin);
    Importer.Result r = new Importer(new Importer.Config(CS, 2)).run(Origins.open(origin.url("weights.bin")),
        "refused-model", AgentIT.noProgress());
    Path manifests = Files.createDirectories(tmp.resolve("manifests"));
    ModelRef ref = new ManifestStore(Origins.open(manifests.toString())).publish(r);
    Path keyFile = Files.writeString(tmp.resolve("swarm.key"), "test-swarm-secret-0123456789abcdef\n");

    // a's store gets the chunk while the origin still serves it; a then stops.
    try (Agent filler = Agent.start(config("a", manifests), SwarmSettings.none())) {
      assertTrue(pull(filler, ref).hasDone());
    }
    int aPort;
    try (ServerSocket s = new ServerSocket(0)) {
      aPort = s.getLocalPort();
    }

    // From now on the origin holds every GET, then refuses it: 404, which is final.
    origin.holdThenFail(404);
    Agent b = Agent.start(config("b", manifests), new SwarmSettings(InetSocketAddress.createUnresolved("127.0.0.1", 0),
        "b", keyFile, Map.of(), List.of(InetSocketAddress.createUnresolved("127.0.0.1", aPort))));
    open.add(b);
    // A pull, not a read through the mount: after a failed read the kernel asks again for the page
    // alone, which would hide the first failure.
    CompletableFuture<ControlResponse> pulled = CompletableFuture.supplyAsync(() -> {
      try {
        return pull(b, ref);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    });
    for (int i = 0; i < 500 && origin.gets.get() == 0; i++) {
      Thread.sleep(20);
    }
    assertTrue(origin.gets.get() > 0, "b's pull asked the origin (no peer held the chunk then)");

    // a comes back on the port b keeps dialling, serving the model: b learns a holds the chunk.
    Agent a = Agent.start(config("a", manifests), new SwarmSettings(InetSocketAddress.createUnresolved("127.0.0.1", aPort),
        "a", keyFile, Map.of(), List.of()));
    open.add(a);
    assertTrue(pull(a, ref).hasDone(), "a serves the model from its store");
    for (int i = 0; i < 1_000 && !b.peerHoldings(ref.digest()).getOrDefault("a", new java.util.BitSet()).get(0); i++) {
      Thread.sleep(20);
    }
    assertTrue(b.peerHoldings(ref.digest()).getOrDefault("a", new java.util.BitSet()).get(0),
        "b learnt that a holds the chunk: " + b.peerHoldings(ref.digest()));
    assertFalse(pulled.isDone(), "the pull is still waiting for the origin: " + (pulled.isDone() ? pulled.join() : ""));

    origin.release();
    ControlResponse done = pulled.get(90, TimeUnit.SECONDS);
    assertTrue(done.hasDone(), "the pull failed on the origin's 404 although a holds the chunk: " + done);
    assertEquals(1, b.storeStats().chunks(), "b stored the chunk");
    Path file = b.config().mount().resolve(ref.toString()).resolve("weights.bin");
    Process sum = new ProcessBuilder("sha256sum", file.toString()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    String out = new String(sum.getInputStream().readAllBytes()).strip();
    assertTrue(sum.waitFor(60, TimeUnit.SECONDS), "sha256sum finished");
    assertEquals(Digest.sha256(data).hex(), out.split("\\s+")[0], "b holds a's bytes");
  }

  private AgentConfig config(String id, Path manifests) {
    return AgentConfig.of(tmp.resolve(id + "/mnt"), tmp.resolve(id + "/store"), List.of(manifests.toUri().toString()),
            tmp.resolve(id + ".sock"))
        .withReadTimeout(Duration.ofSeconds(60))
        .withFetchThreads(2)
        .withOriginAttempts(1);
  }

  private static ControlResponse pull(Agent agent, ModelRef ref) throws IOException {
    return ControlClient.call(agent.config().control(),
        ControlRequest.newBuilder().setPull(PullRequest.newBuilder().setRef(ref.toString())).build(), p -> { });
  }
}
