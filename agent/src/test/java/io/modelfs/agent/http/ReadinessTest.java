package io.modelfs.agent.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ReadinessTest {
  @Test
  void readyWhenEveryCheckIsUp() {
    Readiness r = new Readiness();
    r.register("mount", () -> HealthCheck.Result.up("serving /mnt"));
    Readiness.Report report = r.check();
    assertTrue(report.ready());
    assertEquals("ready\nmount UP serving /mnt\n", report.body());
  }

  @Test
  void degradedIsStillReadyAndSaysWhy() {
    Readiness r = new Readiness();
    r.register("mount", () -> HealthCheck.Result.up("serving /mnt"));
    r.register("tracker", () -> HealthCheck.Result.degraded("no replica answered; fetching from the origin only"));
    assertTrue(r.check().ready());
    assertEquals("degraded: tracker: no replica answered; fetching from the origin only", r.check().summary());
  }

  @Test
  void aDownOrThrowingCheckMakesTheNodeNotReady() {
    Readiness r = new Readiness();
    r.register("mount", () -> HealthCheck.Result.down("/mnt is not mounted"));
    r.register("broken", () -> {
      throw new IllegalStateException("boom");
    });
    Readiness.Report report = r.check();
    assertFalse(report.ready());
    assertTrue(report.summary().startsWith("not ready: mount: /mnt is not mounted; broken: check failed"), report.summary());
  }

  @Test
  void httpAddressesParseAndRejectNonsense() {
    assertEquals(new HttpAddress("127.0.0.1", 7070), HttpAddress.parse("127.0.0.1:7070"));
    assertEquals(new HttpAddress("::1", 80), HttpAddress.parse("[::1]:80"));
    assertEquals("[::1]:80", HttpAddress.parse("[::1]:80").toString());
    assertEquals("0.0.0.0:0", HttpAddress.parse("0.0.0.0:0").toString());
    for (String bad : new String[] {"7070", ":7070", "host:", "host:x", "host:70000"}) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> HttpAddress.parse(bad), bad);
      assertTrue(e.getMessage().contains("'" + bad + "'") || e.getMessage().contains("port 70000"), e.getMessage());
    }
  }
}
