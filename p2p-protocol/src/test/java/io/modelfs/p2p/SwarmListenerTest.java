package io.modelfs.p2p;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.modelfs.core.Digest;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The scheduler's view of the swarm: connect, BITFIELD, HAVE, DROPPED and loss reach the listener in order. */
@ExtendWith(LeakCheck.class)
@Timeout(60)
class SwarmListenerTest {
  @TempDir Path tmp;
  private final List<AutoCloseable> open = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    for (AutoCloseable c : open) {
      c.close();
    }
  }

  @Test
  void peersAndTheirHoldingsReachTheListener() throws Exception {
    TestNode a = new TestNode("a", tmp.resolve("a"), c -> c);
    open.add(a);
    TestNode b = new TestNode("b", tmp.resolve("b"), c -> c);
    open.add(b);
    LinkedBlockingQueue<String> events = new LinkedBlockingQueue<>();
    b.swarm.listen(new SwarmListener() {
      @Override
      public void peerConnected(String peer) {
        events.add("connected " + peer);
      }

      @Override
      public void peerLost(String peer) {
        events.add("lost " + peer);
      }

      @Override
      public void bitfield(String peer, Digest model, BitSet held) {
        events.add("bitfield " + peer + " " + model.equals(TestNode.MODEL) + " " + held);
      }

      @Override
      public void have(String peer, Digest model, List<Integer> chunks) {
        events.add("have " + peer + " " + chunks);
      }

      @Override
      public void dropped(String peer, Digest model, List<Integer> chunks) {
        events.add("dropped " + peer + " " + chunks);
      }
    });
    a.hold(TestNode.randomChunks(3, 1000, 7));
    b.connect(a);
    assertEquals("connected a", next(events));
    assertEquals("bitfield a true {0, 1, 2}", next(events));
    assertEquals(java.util.Map.of("a", bitsOf(0, 1, 2)), b.swarm.peerHoldings(TestNode.MODEL));

    a.swarm.have(TestNode.MODEL, 5);
    assertEquals("have a [5]", next(events));
    a.swarm.dropped(TestNode.MODEL, 1);
    assertEquals("dropped a [1]", next(events));
    assertEquals(java.util.Map.of("a", bitsOf(0, 2, 5)), b.swarm.peerHoldings(TestNode.MODEL));

    a.close();
    assertEquals("lost a", next(events));
    assertTrue(b.swarm.peerHoldings(TestNode.MODEL).isEmpty());
  }

  private static BitSet bitsOf(int... bits) {
    BitSet b = new BitSet();
    for (int i : bits) {
      b.set(i);
    }
    return b;
  }

  private static String next(LinkedBlockingQueue<String> events) throws InterruptedException {
    String e = events.poll(5, TimeUnit.SECONDS);
    assertTrue(e != null, "no event within 5 s");
    return e;
  }
}
