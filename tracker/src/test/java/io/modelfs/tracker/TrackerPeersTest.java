package io.modelfs.tracker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class TrackerPeersTest {
  @Test
  void parsesTheCommandLineList() {
    TrackerPeers p = TrackerPeers.parse("t1=127.0.0.1:7301, t2=host-b:7302,t3=[::1]:7303");
    assertEquals(3, p.peers().size());
    assertEquals("host-b", p.peers().get(1).host());
    assertEquals(7303, p.peers().get(2).port());
    assertEquals("[::1]", p.peers().get(2).host());
    assertEquals("t1=127.0.0.1:7301,t2=host-b:7302,t3=[::1]:7303", p.toString());
  }

  @Test
  void rejectsBadEntriesNamingThem() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TrackerPeers.parse("t1=h:1,t2"));
    assertTrue(e.getMessage().contains("'t2'"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> TrackerPeers.parse("t1=h:x"));
    assertThrows(IllegalArgumentException.class, () -> TrackerPeers.parse("t1=h:0"));
    assertThrows(IllegalArgumentException.class, () -> TrackerPeers.parse("t1=h:1,t1=h:2"));
    assertThrows(IllegalArgumentException.class, () -> TrackerPeers.parse(""));
  }
}
