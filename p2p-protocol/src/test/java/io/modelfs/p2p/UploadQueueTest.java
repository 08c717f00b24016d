package io.modelfs.p2p;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class UploadQueueTest {
  private final List<String> started = new ArrayList<>();
  private final List<Runnable> finish = new ArrayList<>();

  private UploadQueue.Upload upload(String peer, long id) {
    return new UploadQueue.Upload() {
      public String peer() {
        return peer;
      }

      public long id() {
        return id;
      }

      public boolean ready() {
        return true;
      }

      public void start(Runnable done) {
        started.add(peer + id);
        finish.add(done);
      }
    };
  }

  @Test
  void rotatesBetweenPeersSoAGreedyPeerGetsOnlyItsShare() {
    UploadQueue q = new UploadQueue(2, 2);
    for (int i = 0; i < 100; i++) {
      q.offer(upload("greedy", i));
    }
    q.offer(upload("modest", 0));
    q.offer(upload("modest", 1));
    q.pump();
    assertEquals(List.of("greedy0", "modest0"), started);
    finish.get(0).run();
    finish.get(1).run();
    assertEquals(List.of("greedy0", "modest0", "greedy1", "modest1"), started);
  }

  @Test
  void capsUploadsPerPeer() {
    UploadQueue q = new UploadQueue(8, 2);
    for (int i = 0; i < 5; i++) {
      q.offer(upload("p", i));
    }
    q.pump();
    assertEquals(2, q.active());
    assertEquals(5, q.pending("p"));
  }

  @Test
  void cancelRemovesAQueuedRequestButNotARunningOne() {
    UploadQueue q = new UploadQueue(1, 1);
    q.offer(upload("p", 1));
    q.offer(upload("p", 2));
    q.pump();
    assertFalse(q.cancel("p", 1));
    assertTrue(q.cancel("p", 2));
    finish.get(0).run();
    assertEquals(List.of("p1"), started);
    assertEquals(0, q.active());
  }
}
