package io.modelfs.p2p;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class UploadQueueTest {
  private final List<String> started = new ArrayList<>();
  private final List<Runnable> finish = new ArrayList<>();
  private final List<Runnable> timers = new ArrayList<>();
  private final List<Long> delays = new ArrayList<>();
  private long now;

  private UploadQueue.Upload upload(String peer, long id) {
    return new UploadQueue.Upload() {
      public long length() {
        return 500_000;
      }

      public void later(Runnable task, long nanos) {
        timers.add(task);
        delays.add(nanos);
      }

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
  void anUploadCapPacesStartsByBytesAndWakesItselfWhenTheBudgetAllows() {
    UploadQueue q = new UploadQueue(8, 8, 1_000_000, () -> now); // 1 MB/s, uploads of 500 kB
    for (int i = 0; i < 4; i++) {
      q.offer(upload("p" + i, 0));
    }
    q.pump();
    assertEquals(List.of("p00"), started, "the first start spends half a second of budget");
    assertEquals(List.of(500_000_000L), delays, "one wake-up, when the budget allows the next");
    now += 499_000_000L;
    q.pump();
    assertEquals(1, started.size(), "still over the cap");
    assertEquals(1, timers.size(), "no second timer while one is pending");
    now += 1_000_000L;
    timers.remove(0).run();
    assertEquals(List.of("p00", "p10"), started);
    now += 2_000_000_000L; // idle time is not saved up beyond the next start
    timers.remove(0).run();
    assertEquals(List.of("p00", "p10", "p20"), started);
    assertEquals(List.of(500_000_000L, 500_000_000L), delays.subList(0, 2));
    assertThrows(IllegalArgumentException.class, () -> new UploadQueue(1, 1, -1, () -> 0));
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
  void isFullOnlyWhenEverySlotIsBusyAndHalfAsManyRequestsWait() {
    UploadQueue q = new UploadQueue(4, 4);
    for (int i = 0; i < 4; i++) {
      q.offer(upload("a", i));
    }
    q.pump();
    assertEquals(4, q.active());
    assertFalse(q.full(), "slots busy but nobody waits");
    q.offer(upload("b", 0));
    assertFalse(q.full(), "one waits, two may");
    q.offer(upload("c", 0));
    assertTrue(q.full(), "slots busy and two wait: the next request is refused BUSY");
    assertTrue(q.cancel("c", 0));
    assertFalse(q.full(), "a cancelled request no longer waits");
    q.offer(upload("c", 1));
    finish.get(0).run(); // b0 starts in the freed slot
    assertFalse(q.full());
    q.removePeer("c");
    q.offer(upload("d", 0));
    assertFalse(q.full(), "a closed peer's requests no longer wait");
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
