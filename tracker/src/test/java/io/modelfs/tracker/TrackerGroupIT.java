package io.modelfs.tracker;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.modelfs.core.ModelRef;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A real 3-replica Ratis group on loopback. */
class TrackerGroupIT {
  @TempDir
  Path dir;

  private final List<AutoCloseable> closeables = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    for (int i = closeables.size() - 1; i >= 0; i--) {
      closeables.get(i).close();
    }
  }

  private <T extends AutoCloseable> T closing(T c) {
    closeables.add(c);
    return c;
  }

  @Test
  void leaderFailoverKeepsNamesAndManifestsAndRebuildsAvailabilityWithinFiveSeconds() throws Exception {
    TrackerCluster cluster = closing(new TrackerCluster(dir, 3, c -> c.withLeaseTtl(Duration.ofSeconds(2))).startAll());
    cluster.awaitLeader(Duration.ofSeconds(30));
    TrackerClient client = closing(cluster.client());
    Fixtures.Model model = Fixtures.model("llama", 64);
    byte[] signature = "c2lnbmVk\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    client.publish(model.ref(), model.manifest(), model.sources(), signature);
    client.tag("llama", "latest", model.ref());

    List<TrackerSession> sessions = new ArrayList<>();
    for (int n = 0; n < 3; n++) {
      TrackerSession s = closing(TrackerSession.start(closing(cluster.client()),
          new TrackerSession.Identity("node-" + n, "127.0.0.1:" + (7400 + n), "z", 1 << 30),
          new TrackerSession.Timing(Duration.ofMillis(50), Duration.ofMillis(200), Duration.ofSeconds(5))));
      BitSet held = new BitSet();
      held.set(n * 20, n * 20 + 20); // node n holds chunks [20n, 20n+20)
      s.holding(model.digest(), model.chunks(), held);
      sessions.add(s);
    }
    sessions.get(0).have(model.digest(), 60); // a delta on top of the full bitfield
    int oldLeader = cluster.awaitLeader(Duration.ofSeconds(5));
    TrackerCluster.waitUntil(Duration.ofSeconds(10), () -> availabilityComplete(cluster, model), "availability on the first leader");
    client.lease("node-2", model.digest(), List.of(61), List.of()); // one new lease per request (LeaseTable)
    TrackerClient.Leases lease = client.lease("node-2", model.digest(), List.of(61, 62), List.of());
    assertEquals(List.of(61, 62), lease.granted());
    long oldTerm = lease.term();

    long killed = System.nanoTime();
    cluster.stop(oldLeader);
    TrackerCluster.waitUntil(Duration.ofSeconds(5), () -> availabilityComplete(cluster, model),
        "availability rebuilt on the new leader within 5 s of the leader's death");
    long rebuiltMillis = (System.nanoTime() - killed) / 1_000_000;
    System.err.println("availability complete on the new leader " + rebuiltMillis + " ms after the old leader stopped");

    assertEquals(Optional.of(model.ref()), client.resolve("llama", "latest"), "an acknowledged name survives");
    assertArrayEquals(model.manifest(), client.manifest(model.digest()).orElseThrow().manifest());
    assertArrayEquals(signature, client.manifest(model.digest()).orElseThrow().signature(),
        "the manifest's signature is replicated with it and served by the new leader");
    client.lease("node-1", model.digest(), List.of(61), List.of());
    TrackerClient.Leases again = client.lease("node-1", model.digest(), List.of(61, 63), List.of());
    assertNotEquals(oldTerm, again.term());
    assertEquals(List.of(61, 63), again.granted(), "the old leader's leases died with its term; the holder asks again");
    assertEquals(List.of(0), client.lease("node-1", model.digest(), List.of(0), List.of()).onPeers());
    Fixtures.Model v2 = Fixtures.model("llama", 65);
    client.publish(v2.ref(), v2.manifest(), v2.sources());
    client.tag("llama", "latest", v2.ref());
    assertEquals(Optional.of(v2.ref()), client.resolve("llama", null), "clients continue writing after the failover");
  }

  private static boolean availabilityComplete(TrackerCluster cluster, Fixtures.Model model) {
    Optional<Integer> leader = cluster.leaderIndex();
    if (leader.isEmpty()) {
      return false;
    }
    SwarmState soft = cluster.server(leader.get()).commands().softState();
    if (soft == null) {
      return false;
    }
    return soft.chunksHeld("node-0", model.digest()) == 21 && soft.chunksHeld("node-1", model.digest()) == 20
        && soft.chunksHeld("node-2", model.digest()) == 20;
  }

  @Test
  void lateJoinerAndRestartedReplicaCatchUpFromASnapshot() throws Exception {
    TrackerCluster cluster = closing(new TrackerCluster(dir, 3, c -> c.withSnapshotEvery(40).withLogSegmentBytes(16 << 10)));
    cluster.start(0).start(1);
    cluster.awaitLeader(Duration.ofSeconds(30));
    TrackerClient client = closing(cluster.client());
    List<ModelRef> refs = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      Fixtures.Model m = Fixtures.model("model-" + i, 50);
      client.publish(m.ref(), m.manifest(), m.sources());
      client.tag(m.ref().name(), "v1", m.ref());
      refs.add(m.ref());
    }
    for (int i = 0; i < 60; i++) {
      client.register("node-" + i, "10.0.0.1:" + (7000 + i), "z" + (i % 3), 1L << 40);
    }
    TrackerCluster.waitUntil(Duration.ofSeconds(10), () -> snapshotCount(0) > 0 && snapshotCount(1) > 0, "snapshots on both replicas");

    cluster.start(2); // joins late, with an empty data directory: the log it needs was purged
    TrackerCluster.waitUntil(Duration.ofSeconds(20), () -> sameState(cluster, 2), "the late joiner to catch up");
    assertEquals(Optional.of(refs.get(29)), cluster.server(2).commands().registry().resolve("model-29", "v1"));

    cluster.stop(1);
    client.register("node-after", "10.0.0.2:7000", "z", 0);
    cluster.start(1); // restarts from its own data directory
    TrackerCluster.waitUntil(Duration.ofSeconds(20), () -> sameState(cluster, 1), "the restarted replica to catch up");
    assertTrue(cluster.server(1).commands().registry().node("node-after").isPresent());
  }

  private long snapshotCount(int replica) {
    try (Stream<Path> files = Files.walk(dir.resolve("t" + (replica + 1)))) {
      return files.filter(p -> p.getFileName().toString().startsWith("snapshot.") && !p.toString().endsWith(".md5")).count();
    } catch (java.io.IOException e) {
      return 0;
    }
  }

  private static boolean sameState(TrackerCluster cluster, int replica) {
    Optional<Integer> leader = cluster.leaderIndex();
    if (leader.isEmpty() || cluster.server(replica) == null) {
      return false;
    }
    byte[] want = cluster.server(leader.get()).commands().snapshot();
    return java.util.Arrays.equals(want, cluster.server(replica).commands().snapshot());
  }

  @Test
  void leaseIsTakenOverAfterItsHolderDies() throws Exception {
    TrackerCluster cluster = closing(new TrackerCluster(dir, 3, c -> c.withLeaseTtl(Duration.ofMillis(800))).startAll());
    cluster.awaitLeader(Duration.ofSeconds(30));
    TrackerClient admin = closing(cluster.client());
    Fixtures.Model model = Fixtures.model("m", 8);
    admin.publish(model.ref(), model.manifest(), model.sources());
    TrackerSession holder = TrackerSession.start(closing(cluster.client()),
        new TrackerSession.Identity("holder", "127.0.0.1:7401", "", 0),
        new TrackerSession.Timing(Duration.ofMillis(50), Duration.ofMillis(200), Duration.ofSeconds(5)));
    closing(holder);
    admin.register("waiter", "127.0.0.1:7402", "", 0);
    TrackerCluster.waitUntil(Duration.ofSeconds(10), holder::connected, "the holder to register");
    assertEquals(List.of(3), admin.lease("holder", model.digest(), List.of(3), List.of()).granted());
    Thread.sleep(1_200); // the holder's pings keep its lease beyond the 800 ms TTL
    assertEquals(List.of(3), admin.lease("waiter", model.digest(), List.of(3), List.of()).busy());

    holder.close(); // the holder dies
    long died = System.nanoTime();
    TrackerCluster.waitUntil(Duration.ofSeconds(5), () -> {
      try {
        return admin.lease("waiter", model.digest(), List.of(3), List.of()).granted().equals(List.of(3));
      } catch (TrackerException e) {
        return false;
      }
    }, "the waiter to take the lease over");
    long tookMillis = (System.nanoTime() - died) / 1_000_000;
    assertTrue(tookMillis >= 500, "taken over only after the TTL, got " + tookMillis + " ms");
  }

  @Test
  void awaitingNodeIsToldWhenAChunkAppears() throws Exception {
    TrackerCluster cluster = closing(new TrackerCluster(dir, 3, c -> c).startAll());
    cluster.awaitLeader(Duration.ofSeconds(30));
    TrackerClient client = closing(cluster.client());
    Fixtures.Model model = Fixtures.model("m", 8);
    client.publish(model.ref(), model.manifest(), model.sources());
    client.register("a", "127.0.0.1:1", "", 0);
    client.register("b", "127.0.0.1:2", "", 0);
    Thread announcer = new Thread(() -> {
      try {
        Thread.sleep(300);
        client.announceDelta("a", model.digest(), List.of(6), List.of());
      } catch (Exception e) {
        throw new AssertionError(e);
      }
    });
    announcer.start();
    long t0 = System.nanoTime();
    assertEquals(List.of(6), client.await("b", model.digest(), List.of(5, 6), Duration.ofSeconds(2)));
    long waited = (System.nanoTime() - t0) / 1_000_000;
    announcer.join(5_000);
    assertTrue(waited >= 250 && waited < 1_900, "told when it appeared, not by polling or timeout: " + waited + " ms");
    assertEquals(List.of(), client.await("b", model.digest(), List.of(5), Duration.ofMillis(300)), "nothing appears: empty after the timeout");
    List<TrackerClient.Node> n = client.neighbours("b", Optional.of(model.digest()), 10);
    assertEquals("a", n.get(0).id(), "the holder comes first");
  }

  @Test
  void hostileCommandsAreRefusedBeforeTheLog() throws Exception {
    TrackerCluster cluster = closing(new TrackerCluster(dir, 3, c -> c).startAll());
    int leader = cluster.awaitLeader(Duration.ofSeconds(30));
    TrackerClient client = closing(cluster.client());
    client.register("n1", "127.0.0.1:1", "", 0);
    long before = cluster.server(leader).commands().appliedCount();
    Fixtures.Model model = Fixtures.model("m", 4);

    assertEquals(TrackerException.Code.UNKNOWN_NODE,
        assertThrows(TrackerException.class, () -> client.heartbeat("ghost", List.of())).code());
    assertEquals(TrackerException.Code.INVALID,
        assertThrows(TrackerException.class, () -> client.register("bad id", "127.0.0.1:1", "", 0)).code());
    assertEquals(TrackerException.Code.INVALID, assertThrows(TrackerException.class,
        () -> client.publish(model.ref(), Fixtures.model("other", 4).manifest(), model.sources())).code());
    assertEquals(TrackerException.Code.UNKNOWN_MODEL,
        assertThrows(TrackerException.class, () -> client.lease("n1", model.digest(), List.of(0), List.of())).code());
    assertEquals(TrackerException.Code.UNKNOWN_MODEL,
        assertThrows(TrackerException.class, () -> client.tag("m", "latest", model.ref())).code());
    assertEquals(before, cluster.server(leader).commands().appliedCount(), "no refused command reached the log");

    try (org.apache.ratis.client.RaftClient raw = org.apache.ratis.client.RaftClient.newBuilder()
        .setProperties(new org.apache.ratis.conf.RaftProperties()).setRaftGroup(TrackerServer.group(cluster.peers)).build()) {
      var junk = org.apache.ratis.protocol.Message.valueOf("\u00ff\u00fe garbage");
      assertThrows(java.io.IOException.class, () -> {
        var reply = raw.io().send(junk);
        if (!reply.isSuccess()) {
          throw reply.getException();
        }
      });
      var readReply = raw.io().sendReadOnly(junk);
      assertTrue(io.modelfs.core.proto.TrackerReply.parseFrom(readReply.getMessage().getContent().toByteArray()).hasError());
      // A forged heartbeat batch (keeping another node alive) is the leader's alone to append.
      var forged = org.apache.ratis.protocol.Message.valueOf(org.apache.ratis.thirdparty.com.google.protobuf.ByteString.copyFrom(
          io.modelfs.core.proto.TrackerRequest.newBuilder().setHeartbeats(io.modelfs.core.proto.HeartbeatBatchProto.newBuilder()
              .addHeartbeats(io.modelfs.core.proto.HeartbeatProto.newBuilder().setNodeId("n1"))).build().toByteArray()));
      var refused = assertThrows(java.io.IOException.class, () -> {
        var reply = raw.io().send(forged);
        if (!reply.isSuccess()) {
          throw reply.getException();
        }
      });
      assertTrue(String.valueOf(refused.getMessage()).contains("appended by the leader"), "forged batch: " + refused);
    }
    assertEquals(before, cluster.server(leader).commands().appliedCount(), "malformed bytes and forged batches did not reach the log");
  }

  @Test
  void heartbeatsOfManyNodesShareLogEntriesAndReachEveryReplica() throws Exception {
    TrackerCluster cluster = closing(new TrackerCluster(dir, 3, c -> c).startAll());
    int leader = cluster.awaitLeader(Duration.ofSeconds(30));
    TrackerClient client = closing(cluster.client());
    int nodes = 40;
    for (int i = 0; i < nodes; i++) {
      client.register("hb-" + i, "127.0.0.1:" + (7000 + i), "", 0);
    }
    long before = cluster.server(leader).commands().appliedCount();
    long t0 = System.currentTimeMillis();
    List<Thread> threads = new ArrayList<>();
    List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
    for (int i = 0; i < nodes; i++) {
      String id = "hb-" + i;
      Thread t = new Thread(() -> {
        try {
          client.heartbeat(id, List.of());
        } catch (TrackerException e) {
          failures.add(e);
        }
      });
      threads.add(t);
      t.start();
    }
    for (Thread t : threads) {
      t.join(20_000);
    }
    assertEquals(List.of(), failures);
    long entries = cluster.server(leader).commands().appliedCount() - before;
    assertTrue(entries >= 1 && entries < nodes / 2, nodes + " acknowledged heartbeats took " + entries + " log entries");
    for (int r = 0; r < 3; r++) {
      int replica = r;
      TrackerCluster.waitUntil(Duration.ofSeconds(10), () -> cluster.server(replica).lastAppliedIndex()
          >= cluster.server(leader).lastAppliedIndex(), "replica " + replica + " to apply the batches");
      for (int i = 0; i < nodes; i++) {
        long beat = cluster.server(replica).commands().registry().node("hb-" + i).orElseThrow().lastHeartbeatMillis();
        assertTrue(beat >= t0, "replica " + replica + " has hb-" + i + "'s heartbeat at " + beat + " (sent after " + t0 + ")");
      }
    }
  }

  @Test
  void clientGivesUpWithinItsTimeoutWhenNoTrackerAnswers() throws Exception {
    TrackerPeers nobody = TrackerPeers.parse("t1=127.0.0.1:" + TrackerCluster.freePort() + ",t2=127.0.0.1:" + TrackerCluster.freePort());
    TrackerClient client = closing(TrackerClients.connect(nobody, TrackerClientConfig.defaults().withCallTimeout(Duration.ofSeconds(2))));
    long t0 = System.nanoTime();
    TrackerException e = assertThrows(TrackerException.class, () -> client.resolve("m", "latest"));
    long took = (System.nanoTime() - t0) / 1_000_000;
    assertEquals(TrackerException.Code.UNAVAILABLE, e.code());
    assertTrue(took < 4_000, "gave up after " + took + " ms");
  }
}
