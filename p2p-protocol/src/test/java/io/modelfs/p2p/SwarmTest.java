package io.modelfs.p2p;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.modelfs.core.ChunkRef;
import io.modelfs.core.Digest;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Two or three endpoints on loopback with real sockets. */
@ExtendWith(LeakCheck.class)
@Timeout(60)
class SwarmTest {
  @TempDir Path tmp;
  private final List<AutoCloseable> open = new ArrayList<>();
  private final ExecutorService pool = Executors.newFixedThreadPool(12);

  @AfterEach
  void closeAll() throws Exception {
    pool.shutdownNow();
    for (AutoCloseable c : open) {
      c.close();
    }
  }

  private TestNode node(String id) throws Exception {
    return node(id, c -> c);
  }

  private TestNode node(String id, java.util.function.UnaryOperator<PeerConfig> tweak) throws Exception {
    TestNode n = new TestNode(id, tmp.resolve(id), tweak);
    open.add(n);
    return n;
  }

  private static void awaitHolders(TestNode at, int index, String peer) throws InterruptedException {
    for (int i = 0; i < 200 && !at.swarm.holders(TestNode.MODEL, index).contains(peer); i++) {
      Thread.sleep(10);
    }
    assertTrue(at.swarm.holders(TestNode.MODEL, index).contains(peer), "peer " + peer + " never announced chunk " + index);
  }

  @Test
  void fetchesManyChunksOverOneConnectionWithRequestsOutstandingAtOnce() throws Exception {
    TestNode a = node("a");
    TestNode b = node("b");
    List<byte[]> chunks = TestNode.randomChunks(8, 300_000, 1);
    a.hold(chunks);
    assertEquals("a", b.connect(a));
    awaitHolders(b, 7, "a");
    fetchAllAtOnce(b, "a", chunks);
    assertEquals(List.of("b"), a.swarm.connected());
  }

  @Test
  void anUploadCapHoldsTheServingNodeToItsRateOverRealSockets() throws Exception {
    TestNode a = node("a", c -> c.withUploadRate(4 << 20)); // 4 MiB/s
    TestNode b = node("b");
    List<byte[]> chunks = TestNode.randomChunks(6, 1 << 20, 9); // 6 MiB
    a.hold(chunks);
    b.connect(a);
    awaitHolders(b, 5, "a");
    long t0 = System.nanoTime();
    fetchAllAtOnce(b, "a", chunks);
    double seconds = (System.nanoTime() - t0) / 1e9;
    // Six 1 MiB starts at 4 MiB/s: the sixth may start 5/4 s after the first. Uncapped on loopback
    // this takes a few tens of milliseconds.
    assertTrue(seconds >= 1.2, "6 MiB at a 4 MiB/s cap took only " + seconds + " s");
    PeerConfig base = PeerConfig.of("x", new java.net.InetSocketAddress("127.0.0.1", 0), TestNode.KEY);
    assertThrows(IllegalArgumentException.class, () -> base.withUploadRate(-1));
  }

  @Test
  void fetchesARangeOfAChunk() throws Exception {
    TestNode a = node("a");
    TestNode b = node("b");
    byte[] c = TestNode.randomChunks(1, 100_000, 2).get(0);
    a.hold(List.of(c));
    b.connect(a);
    ByteSink sink = new ByteSink(0);
    b.swarm.fetch("a", TestNode.ref(c), 40_000, 1000, sink);
    assertArrayEquals(java.util.Arrays.copyOfRange(c, 40_000, 41_000), sink.bytes());
  }

  @Test
  void announcesHaveInBatchesAndDroppedOnEviction() throws Exception {
    TestNode a = node("a");
    TestNode b = node("b");
    b.connect(a);
    for (int i = 0; i < 50; i++) {
      a.swarm.have(TestNode.MODEL, i);
    }
    awaitHolders(b, 49, "a");
    a.swarm.dropped(TestNode.MODEL, 3);
    for (int i = 0; i < 200 && b.swarm.holders(TestNode.MODEL, 3).contains("a"); i++) {
      Thread.sleep(10);
    }
    assertEquals(List.of(), b.swarm.holders(TestNode.MODEL, 3));
    assertEquals(List.of("a"), b.swarm.holders(TestNode.MODEL, 4));
  }

  @Test
  void refusesAChunkItDoesNotHoldAndStaysConnected() throws Exception {
    TestNode a = node("a");
    TestNode b = node("b");
    b.connect(a);
    ChunkRef missing = new ChunkRef(Digest.sha256("nope".getBytes()), 10);
    PeerFetchException e = assertThrows(PeerFetchException.class, () -> b.swarm.fetch("a", missing, 0, 10, new ByteSink(0)));
    assertEquals(PeerFetchException.Reason.NOT_FOUND, e.reason());
    assertTrue(e.getMessage().contains("peer a"), e.getMessage());
    assertEquals(List.of("a"), b.swarm.connected());
  }

  @Test
  void refusesAPeerWithTheWrongSwarmKey() throws Exception {
    TestNode a = node("a");
    TestNode stranger = node("stranger", c -> new PeerConfig(c.nodeId(), c.listen(),
        SwarmKey.of("another-key-another-key-another".getBytes()), c.version(), c.maxControlFrame(), c.maxChunk(),
        c.uploadSlots(), c.uploadSlotsPerPeer(), c.maxQueuedPerPeer(), c.maxConnections(), c.receiveBuffer(),
        c.requestTimeout(), c.idleTimeout(), c.handshakeTimeout(), c.announceInterval(), c.banDuration(), c.tls(), 0));
    ExecutionException e = assertThrows(ExecutionException.class, () -> stranger.connect(a));
    assertTrue(e.getCause().getMessage().contains("closed the connection during the handshake"), e.getMessage());
    assertEquals(List.of(), a.swarm.connected());
  }

  @Test
  void acceptsThePreviousVersionAndRefusesOneTooFarApart() throws Exception {
    TestNode a = node("a");
    TestNode next = node("next", c -> c.withVersion(Wire.VERSION + 1));
    assertEquals("a", next.connect(a));
    TestNode future = node("future", c -> c.withVersion(Wire.VERSION + 2));
    assertThrows(ExecutionException.class, () -> future.connect(a));
    assertEquals(List.of("next"), a.swarm.connected());
  }

  @Test
  void closesAConnectionThatSendsGarbageOrAnOversizedFrameAndKeepsServingOthers() throws Exception {
    TestNode a = node("a");
    for (byte[] junk : List.of(new byte[] {0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f}, new byte[] {0x00, 0x00, 0x00, 0x00, 0x01},
        new byte[] {0x10, 0x00, 0x00, 0x00, 0x01})) {
      try (Socket s = new Socket(a.swarm.address().getAddress(), a.swarm.address().getPort())) {
        s.setSoTimeout(5000);
        OutputStream out = s.getOutputStream();
        out.write(junk);
        out.flush();
        InputStream in = s.getInputStream();
        int reads = 0;
        while (in.read() != -1 && reads++ < 10_000) {
          // the HELLO frame, then end of stream once the node closes
        }
        assertTrue(reads < 10_000, "node kept the connection open");
      }
    }
    TestNode b = node("b");
    assertEquals("a", b.connect(a));
  }

  @Test
  void refusesAFloodOfRequestsBusyButServesTheOnesItQueued() throws Exception {
    TestNode a = node("a", c -> c.withLimits(2, 16).withUploadSlots(1, 1));
    TestNode b = node("b");
    byte[] c = TestNode.randomChunks(1, 2_000_000, 3).get(0);
    a.hold(List.of(c));
    b.connect(a);
    AtomicInteger busy = new AtomicInteger();
    AtomicInteger served = new AtomicInteger();
    List<Future<?>> all = new ArrayList<>();
    // All ten ask at once, and each transfer is slowed on the receiving side, so the queue of
    // two per peer is certain to overflow whatever the machine's load.
    java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
    for (int i = 0; i < 10; i++) {
      all.add(pool.submit(() -> {
        ByteSink sink = new ByteSink(5);
        go.await(10, TimeUnit.SECONDS);
        try {
          b.swarm.fetch("a", TestNode.ref(c), 0, c.length, sink);
          assertArrayEquals(c, sink.bytes());
          served.incrementAndGet();
        } catch (PeerFetchException e) {
          assertEquals(PeerFetchException.Reason.BUSY, e.reason(), e.getMessage());
          busy.incrementAndGet();
        }
        return null;
      }));
    }
    go.countDown();
    for (Future<?> f : all) {
      f.get(60, TimeUnit.SECONDS);
    }
    assertTrue(busy.get() > 0, "no request was refused BUSY");
    assertTrue(served.get() >= 2, "served " + served.get());
    assertEquals(10, busy.get() + served.get());
    assertEquals(List.of("b"), a.swarm.connected());
  }

  @Test
  void aSlowPeerDoesNotStarveAFastOne() throws Exception {
    TestNode a = node("a", c -> c.withUploadSlots(2, 1));
    TestNode slow = node("slow", c -> c.withReceiveBuffer(65536));
    TestNode fast = node("fast");
    List<byte[]> chunks = TestNode.randomChunks(4, 1_000_000, 4);
    a.hold(chunks);
    slow.connect(a);
    fast.connect(a);
    List<Future<?>> slowOnes = new ArrayList<>();
    for (byte[] c : chunks) {
      slowOnes.add(pool.submit(() -> {
        slow.swarm.fetch("a", TestNode.ref(c), 0, c.length, new ByteSink(20)); // ~64 KiB per 20 ms: a slow disk
        return null;
      }));
    }
    Thread.sleep(100);
    long start = System.nanoTime();
    for (byte[] c : chunks) {
      ByteSink sink = new ByteSink(0);
      fast.swarm.fetch("a", TestNode.ref(c), 0, c.length, sink);
      assertArrayEquals(c, sink.bytes());
    }
    long fastMillis = (System.nanoTime() - start) / 1_000_000;
    int slowDone = (int) slowOnes.stream().filter(Future::isDone).count();
    assertTrue(slowDone < chunks.size(), "the slow peer finished first; the test did not exercise fairness");
    assertTrue(fastMillis < 10_000, "fast peer took " + fastMillis + " ms");
    for (Future<?> f : slowOnes) {
      f.get(60, TimeUnit.SECONDS);
    }
  }

  @Test
  void failsPromptlyWhenThePeerDiesMidChunkAndTheRestComesFromAnother() throws Exception {
    TestNode a = node("a");
    TestNode c = node("c");
    TestNode b = node("b", cfg -> cfg.withReceiveBuffer(65536));
    // big enough that the kernel's loopback buffers cannot hold all of it when A dies
    byte[] chunk = TestNode.randomChunks(1, 40 << 20, 5).get(0);
    a.hold(List.of(chunk));
    c.hold(List.of(chunk));
    b.connect(a);
    b.connect(c);
    ByteSink sink = new ByteSink(20);
    Future<?> fromA = pool.submit(() -> {
      b.swarm.fetch("a", TestNode.ref(chunk), 0, chunk.length, sink);
      return null;
    });
    for (int i = 0; i < 500 && sink.written == 0; i++) {
      Thread.sleep(10);
    }
    a.close();
    sink.pauseMillisPerWrite = 0;
    ExecutionException e = assertThrows(ExecutionException.class, () -> fromA.get(20, TimeUnit.SECONDS));
    assertEquals(PeerFetchException.Reason.DISCONNECTED, ((PeerFetchException) e.getCause()).reason());
    long have = sink.bytes().length;
    assertTrue(have > 0 && have < chunk.length, "had " + have);
    b.swarm.fetch("c", TestNode.ref(chunk), have, chunk.length - (int) have, sink);
    assertArrayEquals(chunk, sink.bytes());
  }

  @Test
  void aTimedOutRequestIsCancelledAndLateBytesAreDiscardedWithoutBreakingTheConnection() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    byte[] chunk = TestNode.randomChunks(1, 50_000, 6).get(0);
    Digest d = Digest.sha256(chunk);
    Path file = java.nio.file.Files.write(tmp.resolve("slowchunk"), chunk);
    AtomicInteger asked = new AtomicInteger();
    ChunkSource stalling = digest -> {
      if (asked.getAndIncrement() == 0) {
        try {
          release.await(10, TimeUnit.SECONDS); // the first request stalls the serving event loop
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      return digest.equals(d) ? Optional.of(file) : Optional.empty();
    };
    TestNode a = new TestNode("a", tmp.resolve("a"), cfg -> cfg, stalling);
    open.add(a);
    TestNode b = node("b", cfg -> cfg.withTimeouts(Duration.ofMillis(300), Duration.ofSeconds(60), Duration.ofSeconds(5)));
    b.connect(a);
    PeerFetchException e = assertThrows(PeerFetchException.class,
        () -> b.swarm.fetch("a", TestNode.ref(chunk), 0, chunk.length, new ByteSink(0)));
    assertEquals(PeerFetchException.Reason.TIMEOUT, e.reason());
    release.countDown();
    ByteSink sink = new ByteSink(0);
    b.swarm.fetch("a", TestNode.ref(chunk), 0, chunk.length, sink);
    assertArrayEquals(chunk, sink.bytes());
    assertEquals(List.of("a"), b.swarm.connected());
  }

  @Test
  void aBannedPeerIsDisconnectedAndCannotReconnect() throws Exception {
    TestNode a = node("a");
    TestNode b = node("b");
    b.connect(a);
    b.swarm.penalise("a", "chunk 1234 failed verification");
    for (int i = 0; i < 200 && !b.swarm.connected().isEmpty(); i++) {
      Thread.sleep(10);
    }
    assertEquals(List.of(), b.swarm.connected());
    assertThrows(ExecutionException.class, () -> b.connect(a));
    try {
      a.connect(b); // a may see its side complete before b refuses and closes
    } catch (ExecutionException expected) {
      // b refused during the handshake
    }
    for (int i = 0; i < 200 && !a.swarm.connected().isEmpty(); i++) {
      Thread.sleep(10);
    }
    assertEquals(List.of(), a.swarm.connected());
    assertEquals(List.of(), b.swarm.connected());
  }

  /** {@code to} fetches every chunk from {@code from}, all at once, and checks each byte. */
  private void fetchAllAtOnce(TestNode to, String from, List<byte[]> chunks) throws Exception {
    List<Future<byte[]>> results = new ArrayList<>();
    for (byte[] c : chunks) {
      results.add(pool.submit(() -> {
        ByteSink sink = new ByteSink(0);
        ChunkRef ref = TestNode.ref(c);
        to.swarm.fetch(from, ref, 0, ref.size(), sink);
        return sink.bytes();
      }));
    }
    for (int i = 0; i < chunks.size(); i++) {
      assertArrayEquals(chunks.get(i), results.get(i).get(20, TimeUnit.SECONDS), "chunk " + i);
    }
  }
}
