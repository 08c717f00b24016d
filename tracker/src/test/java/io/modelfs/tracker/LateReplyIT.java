package io.modelfs.tracker;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A reply that reaches a node after its client's request timeout (a busy node reads its socket
 * late: issue 8 at N = 16 on 2 cores) must cost that one request at most. With Ratis' ordered
 * stream it wedged the client for good: the replica had answered and forgotten the request, the
 * client's retry of it then sat at the head of the replica's reply window, and every later reply
 * to that client waited behind it — LEASE, PING, NEIGHBOURS timed out for minutes while the
 * tracker answered every other node in milliseconds. A real one-replica tracker on loopback
 * behind a proxy that holds its replies back.
 */
class LateReplyIT {
  /** The client's per-RPC timeout; the late reply comes 500 ms after it. */
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(1);
  private static final Duration CALL_TIMEOUT = Duration.ofSeconds(4);

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

  /** A tracker, a proxy in front of it, and a client that reaches the tracker only through the proxy. */
  private record Setup(ReplyDelayProxy proxy, TrackerClient client, Fixtures.Model model) {}

  private Setup start() throws Exception {
    TrackerCluster cluster = closing(new TrackerCluster(dir, 1, c -> c).startAll());
    cluster.awaitLeader(Duration.ofSeconds(30));
    TrackerPeers.Peer replica = cluster.peers.peers().get(0);
    ReplyDelayProxy proxy = closing(new ReplyDelayProxy(new InetSocketAddress(replica.host(), replica.port())));
    TrackerPeers viaProxy = new TrackerPeers(List.of(new TrackerPeers.Peer(replica.id(), "127.0.0.1", proxy.port())));
    TrackerClient client = closing(TrackerClients.connect(viaProxy,
        new TrackerClientConfig(CALL_TIMEOUT, REQUEST_TIMEOUT, 100, Duration.ofMillis(500), null)));
    Fixtures.Model model = Fixtures.model("late", 16);
    client.publish(model.ref(), model.manifest(), model.sources());
    client.register("node-1", "127.0.0.1:7401", "z", 1 << 30);
    return new Setup(proxy, client, model);
  }

  /** Holds replies back past the request timeout for {@code late}, then lets them through and waits until they are. */
  private static void late(ReplyDelayProxy proxy, Call late) throws InterruptedException {
    proxy.delayReplies(REQUEST_TIMEOUT.toMillis() + 500);
    try {
      late.run(); // answered late, or not at all: either is fine for this one request
    } catch (TrackerException e) {
      System.err.println("the late request failed: " + e.getMessage());
    }
    proxy.delayReplies(0);
    Thread.sleep(REQUEST_TIMEOUT.toMillis() + 1000); // every held reply is through
  }

  private interface Call {
    void run() throws TrackerException;
  }

  /**
   * Each of 5 calls after the late one is answered, in less than two request timeouts (a wedged
   * client's call fails after the whole call timeout instead).
   */
  private static void answersPromptly(String what, Call call) throws TrackerException {
    for (int i = 0; i < 5; i++) {
      long started = System.nanoTime();
      call.run();
      long millis = (System.nanoTime() - started) / 1_000_000;
      assertTrue(millis < 2 * REQUEST_TIMEOUT.toMillis(), what + " #" + i + " took " + millis + " ms after a late reply");
    }
  }

  @Test
  void aLateReplyToAReadLeavesLaterReadsAndWritesAnswered() throws Exception {
    Setup s = start();
    late(s.proxy(), () -> s.client().ping("node-1"));
    answersPromptly("PING", () -> s.client().ping("node-1"));
    answersPromptly("LEASE", () -> s.client().lease("node-1", s.model().digest(), List.of(3), List.of()));
    answersPromptly("REGISTER", () -> s.client().register("node-1", "127.0.0.1:7401", "z", 1 << 30));
  }

  @Test
  void aLateReplyToAWriteLeavesLaterWritesAndReadsAnswered() throws Exception {
    Setup s = start();
    late(s.proxy(), () -> s.client().register("node-1", "127.0.0.1:7401", "z", 1 << 30));
    answersPromptly("REGISTER", () -> s.client().register("node-1", "127.0.0.1:7401", "z", 1 << 30));
    answersPromptly("TAG", () -> s.client().tag("late", "v1", s.model().ref()));
    answersPromptly("PING", () -> s.client().ping("node-1"));
  }
}
