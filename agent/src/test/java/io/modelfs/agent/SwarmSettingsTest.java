package io.modelfs.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SwarmSettingsTest {
  @Test
  void parsesTheTrackerListInOrder() {
    Map<String, InetSocketAddress> t = SwarmSettings.trackerList("t1=10.0.0.1:7000, t2=host-b:7001,t3=[::1]:7002");
    assertEquals(List.of("t1", "t2", "t3"), List.copyOf(t.keySet()));
    assertEquals("host-b", t.get("t2").getHostString());
    assertEquals(7002, t.get("t3").getPort());
    assertEquals("::1", t.get("t3").getHostString());
  }

  @Test
  void rejectsMalformedEntriesNamingThem() {
    var e = assertThrows(IllegalArgumentException.class, () -> SwarmSettings.trackerList("t1=a:1,b:2"));
    assertTrue(e.getMessage().contains("'b:2'"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> SwarmSettings.hostPort("host:http"));
    assertTrue(e.getMessage().contains("'http'"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> SwarmSettings.hostPort("host:70000"));
    assertThrows(IllegalArgumentException.class, () -> SwarmSettings.trackerList("t1=a:1,t1=b:2"));
  }

  @Test
  void peersAndTrackersNeedAListenAddressAndListenNeedsAKey() {
    var peer = List.of(SwarmSettings.hostPort("h:1"));
    var e = assertThrows(IllegalArgumentException.class, () -> new SwarmSettings(null, "n", null, Map.of(), peer));
    assertTrue(e.getMessage().contains("--listen"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> new SwarmSettings(SwarmSettings.hostPort("0.0.0.0:7070"), "n", null, Map.of(), List.of()));
    assertTrue(e.getMessage().contains("--swarm-key-file"), e.getMessage());
    assertFalse(SwarmSettings.none().enabled());
    assertTrue(new SwarmSettings(SwarmSettings.hostPort("0.0.0.0:7070"), "n", Path.of("k"), Map.of(), peer).enabled());
  }
}
