package io.modelfs.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class UploadSlotsTest {
  private final SimNode server = node(0);
  private final SimNode a = node(1);
  private final SimNode b = node(2);
  private final List<SimNode.Transfer> started = new ArrayList<>();

  private static SimNode node(int i) {
    return new SimNode(i, 1e9, 1e9, 1e9, new UploadSlots(2, 1, 3));
  }

  private SimNode.Transfer request(SimNode to, int chunk) {
    return new SimNode.Transfer(to, server, chunk);
  }

  @Test
  void queuesBeyondTheSlotsAndRefusesOnlyPastTheRequestersQueueLimit() {
    UploadSlots u = new UploadSlots(2, 1, 3);
    assertTrue(u.offer(request(a, 0)));
    assertTrue(u.offer(request(a, 1)));
    assertTrue(u.offer(request(a, 2)));
    assertFalse(u.offer(request(a, 3)), "a fourth request of one requester is refused (BUSY)");
    assertTrue(u.offer(request(b, 0)), "another requester still gets in");
    u.pump(started::add);
    // One slot per requester: a's first and b's first run, a's others wait although a slot count of 2 is reached.
    assertEquals(List.of(0, 0), started.stream().map(t -> t.chunk).toList());
    assertEquals(List.of(a, b), started.stream().map(t -> t.to).toList());
    assertEquals(2, u.active());
  }

  @Test
  void withEverySlotBusyRefusesPastTheWaitingLimitOfAllRequestersTogether() {
    UploadSlots u = new UploadSlots(1, 1, 8, 2);
    SimNode.Transfer running = request(a, 0);
    assertTrue(u.offer(running));
    u.pump(started::add);
    assertTrue(u.offer(request(a, 1)));
    assertTrue(u.offer(request(b, 2)));
    assertFalse(u.offer(request(b, 3)), "two wait already and the one slot is busy: BUSY, so b asks another holder");
    u.finished(running);
    u.pump(started::add);
    assertTrue(u.offer(request(b, 3)), "one started, so one more may wait");
    assertEquals(List.of(0, 1), started.stream().map(t -> t.chunk).toList());
  }

  @Test
  void aFreedSlotGoesToTheNextRequesterInTurn() {
    UploadSlots u = new UploadSlots(1, 1, 8);
    u.offer(request(a, 0));
    u.offer(request(a, 1));
    u.offer(request(b, 5));
    u.pump(started::add);
    assertEquals(1, started.size());
    u.finished(started.get(0));
    u.pump(started::add);
    assertEquals(b, started.get(1).to, "b's turn before a's second request");
    u.finished(started.get(1));
    u.pump(started::add);
    assertEquals(1, started.get(2).chunk);
    assertEquals(a, started.get(2).to);
  }

  @Test
  void aCancelledRequestNeverStartsAndACancelledUploadFreesItsSlot() {
    UploadSlots u = new UploadSlots(1, 1, 8);
    SimNode.Transfer first = request(a, 0);
    SimNode.Transfer waiting = request(b, 1);
    u.offer(first);
    u.offer(waiting);
    u.pump(started::add);
    u.cancelQueued(waiting);
    u.finished(first);
    u.finished(first); // a second report of the same end changes nothing
    assertEquals(0, u.active());
    u.pump(started::add);
    assertEquals(List.of(first), started);
  }

  @Test
  void rejectsSlotCountsBelowOne() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new UploadSlots(0, 1, 1));
    assertTrue(e.getMessage().contains("upload slots 0"), e.getMessage());
  }
}
