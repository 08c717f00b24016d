package io.modelfs.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.modelfs.agent.SwarmBuilder.LocalSwarm;
import io.modelfs.core.Digest;
import io.modelfs.core.proto.ControlResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Issue 8's promise on one machine: ten agents with real sockets, a real Ratis tracker and an
 * origin counted at its socket pull one model at once; every node gets every byte right and the
 * origin serves it about once — also when peers and the tracker leader die mid-transfer, and
 * when the tracker is gone (nodes fall back to the origin and finish).
 */
@Timeout(180)
class SwarmFanoutIT {
  private static final Logger log = LoggerFactory.getLogger(SwarmFanoutIT.class);
  private static final int NODES = 10;
  private static final int MODEL_BYTES = 24 << 20;
  private static final int CHUNK = 256 << 10;

  @TempDir Path tmp;
  private LocalSwarm swarm;
  private final ExecutorService pool = Executors.newCachedThreadPool();

  @AfterEach
  void stop() {
    pool.shutdownNow();
    if (swarm != null) {
      swarm.close();
    }
  }

  @Test
  void tenNodesPullOneModelByNameAndTheOriginServesItAboutOnce() throws Exception {
    swarm = SwarmBuilder.in(tmp).agents(NODES).trackers(1).model(MODEL_BYTES, CHUNK).build();
    List<Future<ControlResponse>> pulls = pullAll(SwarmBuilder.MODEL + ":latest");
    for (int i = 0; i < NODES; i++) {
      ControlResponse r = pulls.get(i).get(120, TimeUnit.SECONDS);
      assertFalse(r.hasError(), "n" + i + ": " + r.getError().getMessage());
      assertEquals(swarm.ref.toString(), r.getDone().getRef(), "the name resolved to the ref");
      swarm.assertHoldsModel(i);
    }
    logSchedulers();
    double ratio = (double) swarm.origin.served() / MODEL_BYTES;
    log.info("{} nodes pulled {} bytes; the origin served {} bytes: {} x the model", NODES, MODEL_BYTES,
        swarm.origin.served(), String.format("%.3f", ratio));
    assertTrue(ratio <= 1.1, "origin served " + ratio + " x the model");

    // <mount>/NAME:TAG is a link to the ref's directory, and reads through it match.
    Path mount = swarm.agents.get(0).config().mount();
    Path link = mount.resolve(SwarmBuilder.MODEL + ":latest");
    assertEquals(swarm.ref.toString(), Files.readSymbolicLink(link).toString());
    assertEquals(Digest.sha256(swarm.data).hex(), sha256sum(link.resolve("weights.bin")));
  }

  @Test
  void killedPeersAndAKilledTrackerLeaderDoNotStopTheOthers() throws Exception {
    swarm = SwarmBuilder.in(tmp).agents(NODES).trackers(3).model(MODEL_BYTES, CHUNK).build();
    List<Future<ControlResponse>> pulls = pullAll(swarm.ref.toString());
    LocalSwarm.waitUntil(Duration.ofSeconds(60), () -> swarm.origin.served() > MODEL_BYTES / 4, "a quarter of the model");
    int leader = swarm.awaitLeader(Duration.ofSeconds(30));
    swarm.stopTracker(leader);
    for (int i = 0; i < 3; i++) {
      swarm.kill(i);
    }
    log.info("killed tracker leader t{} and agents n0..n2 with {} origin bytes served", leader + 1, swarm.origin.served());
    for (int i = 3; i < NODES; i++) {
      ControlResponse r = pulls.get(i).get(150, TimeUnit.SECONDS);
      assertFalse(r.hasError(), "n" + i + ": " + r.getError().getMessage());
      swarm.assertHoldsModel(i);
    }
    log.info("after the kills the origin served {} x the model", String.format("%.3f", (double) swarm.origin.served() / MODEL_BYTES));
  }

  @Test
  void withTheTrackerGoneNodesFallBackToTheOriginAndFinish() throws Exception {
    swarm = SwarmBuilder.in(tmp).agents(4).trackers(1).model(8 << 20, CHUNK).build();
    for (Agent a : swarm.agents) {
      assertTrue(Files.isDirectory(a.config().mount().resolve(swarm.ref.toString())), "opened through the tracker");
    }
    swarm.stopAllTrackers();
    List<Future<ControlResponse>> pulls = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      int n = i;
      pulls.add(pool.submit(() -> swarm.pull(n, swarm.ref.toString())));
    }
    for (int i = 0; i < 4; i++) {
      ControlResponse r = pulls.get(i).get(120, TimeUnit.SECONDS);
      assertFalse(r.hasError(), "n" + i + ": " + r.getError().getMessage());
      swarm.assertHoldsModel(i);
    }
    log.info("without a tracker the origin served {} x the model", String.format("%.3f", (double) swarm.origin.served() / (8 << 20)));
  }

  @Test
  void aNodeRegistersAnnouncesWhatItHoldsAndWhatItEvicts() throws Exception {
    swarm = SwarmBuilder.in(tmp).agents(2).trackers(1).model(2 << 20, CHUNK).build();
    ControlResponse r = swarm.pull(0, swarm.ref.toString());
    assertFalse(r.hasError(), r.getError().getMessage());
    int chunks = swarm.manifest.files().get(0).chunks().size();
    try (io.modelfs.tracker.TrackerClient c = swarm.client()) {
      LocalSwarm.waitUntil(Duration.ofSeconds(20), () -> held(c, "n0") == chunks, "n0's holdings at the tracker");
      io.modelfs.core.proto.NodeViewProto n0 = node(c, "n0");
      assertTrue(n0.getNode().getPeerAddress().startsWith("127.0.0.1:"), n0.getNode().getPeerAddress());
      assertTrue(n0.getCapacityBytes() > 0, "capacity registered");
      // Evicting everything is DROPPED for every chunk, to the tracker (and the peers).
      ControlResponse gc = io.modelfs.agent.control.ControlClient.call(swarm.agents.get(0).config().control(),
          io.modelfs.core.proto.ControlRequest.newBuilder()
              .setGc(io.modelfs.core.proto.GcRequest.newBuilder().setTargetBytes(0)).build(), x -> {});
      assertFalse(gc.hasError(), gc.getError().getMessage());
      LocalSwarm.waitUntil(Duration.ofSeconds(20), () -> held(c, "n0") == 0, "n0's DROPPED at the tracker");
    }
  }

  private static io.modelfs.core.proto.NodeViewProto node(io.modelfs.tracker.TrackerClient c, String id) {
    try {
      return c.swarm(false).getNodesList().stream().filter(n -> n.getNode().getNodeId().equals(id)).findFirst()
          .orElse(null);
    } catch (io.modelfs.tracker.TrackerException e) {
      return null;
    }
  }

  private static long held(io.modelfs.tracker.TrackerClient c, String id) {
    io.modelfs.core.proto.NodeViewProto n = node(c, id);
    return n == null ? -1 : n.getHoldingsList().stream().mapToLong(h -> h.getChunksHeld()).sum();
  }

  /** What the ten schedulers did, summed: fetches by source, unleased origin fetches, cancels. */
  private void logSchedulers() {
    long peer = 0, origin = 0, unleased = 0, cancels = 0, failures = 0, leases = 0;
    for (Agent a : swarm.agents) {
      io.modelfs.schedule.SwarmScheduler.Stats s = a.schedulerStats();
      if (s != null) {
        peer += s.peerFetches();
        origin += s.originFetches();
        unleased += s.unleasedOriginFetches();
        cancels += s.cancels();
        failures += s.failures();
        leases += s.leaseRequests();
      }
    }
    log.info("schedulers: {} peer fetches, {} origin fetches ({} unleased), {} lease requests, {} failures, {} cancels",
        peer, origin, unleased, leases, failures, cancels);
  }

  private List<Future<ControlResponse>> pullAll(String what) {
    List<Future<ControlResponse>> pulls = new ArrayList<>();
    for (int i = 0; i < NODES; i++) {
      int n = i;
      pulls.add(pool.submit(() -> swarm.pull(n, what)));
    }
    return pulls;
  }

  /** sha256sum in a child process (a JVM must not fault on its own mount). */
  private static String sha256sum(Path p) throws Exception {
    Process proc = new ProcessBuilder("sha256sum", p.toString()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    String out = new String(proc.getInputStream().readAllBytes()).strip();
    assertTrue(proc.waitFor(60, TimeUnit.SECONDS), "sha256sum finished");
    assertEquals(0, proc.exitValue(), "sha256sum " + p + ": " + out);
    return out.split("\\s+")[0];
  }
}
