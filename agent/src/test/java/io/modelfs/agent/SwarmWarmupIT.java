package io.modelfs.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.modelfs.agent.SwarmBuilder.LocalSwarm;
import io.modelfs.core.proto.ControlResponse;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The swarm-path warm-up over real loopback sockets and real throw-away stores: it transfers
 * chunks, stays within its bounds, leaves no directory, event loop or socket behind, and agents
 * started after it in the same JVM swarm correctly.
 */
@Timeout(120)
class SwarmWarmupIT {
  @TempDir
  Path tmp;

  @Test
  void transfersChunksWithinItsBoundsThenLeavesNothingBehind() throws Exception {
    long loopsBefore = eventLoopThreads();
    Path parent = tmp.resolve("store").resolve("warmup-swarm");
    SwarmWarmup.Report r = SwarmWarmup.run(parent, Duration.ofSeconds(2), Clock.systemUTC());

    assertNull(r.error());
    // At least one whole round (every seeded chunk fetched once), at most the cap.
    assertTrue(r.transfers() >= SwarmWarmup.SEED_CHUNKS && r.transfers() <= SwarmWarmup.MAX_TRANSFERS,
        "transfers: " + r.transfers());
    assertEquals(0, r.transfers() % SwarmWarmup.SEED_CHUNKS, "whole rounds only: " + r.transfers());
    assertEquals((long) r.transfers() * SwarmWarmup.CHUNK_BYTES, r.bytes());
    assertTrue(r.setup().compareTo(r.wall()) <= 0, "set-up " + r.setup() + " is part of " + r.wall());
    // Bounded: set-up, the 2 s budget and at most one round's grace (generous on a loaded 2-core machine).
    assertTrue(r.wall().minus(r.setup()).compareTo(Duration.ofSeconds(2 + 5 + 5)) < 0, "took " + r.wall());
    assertTrue(Files.notExists(parent), "the throw-away stores and their emptied parent are removed");
    assertTrue(Files.isDirectory(parent.getParent()), "only what the warm-up made is removed");
    LocalSwarm.waitUntil(Duration.ofSeconds(10), () -> eventLoopThreads() <= loopsBefore,
        "the warm-up's event loops to stop (" + eventLoopThreads() + " running, " + loopsBefore + " before)");
  }

  @Test
  void theTransferCapStopsItBeforeALongBudget() {
    SwarmWarmup.Report r = SwarmWarmup.run(tmp.resolve("w"), Duration.ofMinutes(5), Clock.systemUTC());

    assertNull(r.error());
    assertEquals(SwarmWarmup.MAX_TRANSFERS, r.transfers());
    assertTrue(r.wall().compareTo(Duration.ofSeconds(90)) < 0, "took " + r.wall());
  }

  @Test
  void zeroBudgetDoesNothing() {
    Path parent = tmp.resolve("never");
    SwarmWarmup.Report r = SwarmWarmup.run(parent, Duration.ZERO, Clock.systemUTC());

    assertEquals(0, r.transfers());
    assertNull(r.error());
    assertTrue(Files.notExists(parent));
  }

  @Test
  void aDirectoryLeftByAKilledWarmupIsRemoved() throws IOException {
    Path parent = tmp.resolve("warmup-swarm");
    Path old = Files.createDirectories(parent.resolve("modelfs-swarm-warmup-123").resolve("seed"));
    Files.writeString(old.resolve("chunk"), "left over");
    SwarmWarmup.Report r = SwarmWarmup.run(parent, Duration.ofMillis(200), Clock.systemUTC());

    assertNull(r.error());
    assertTrue(Files.notExists(parent), "the leftover and the emptied parent are removed");
  }

  @Test
  void anUnusableDirectoryIsReportedNotThrown() throws IOException {
    Path file = Files.writeString(tmp.resolve("a-file"), "not a directory");
    SwarmWarmup.Report r = SwarmWarmup.run(file.resolve("warmup-swarm"), Duration.ofSeconds(1), Clock.systemUTC());

    assertEquals(0, r.transfers());
    assertNotNull(r.error());
    assertTrue(r.error().contains("a-file"), r.error());
  }

  @Test
  void agentsStartedAfterItSwarmCorrectly() throws Exception {
    SwarmWarmup.Report r = SwarmWarmup.run(tmp.resolve("warmup-swarm"), Duration.ofSeconds(1), Clock.systemUTC());
    assertNull(r.error());
    int model = 4 << 20;
    try (LocalSwarm swarm = SwarmBuilder.in(Files.createDirectories(tmp.resolve("swarm"))).agents(3).trackers(1)
        .model(model, 256 << 10).build()) {
      for (int i = 0; i < 3; i++) {
        ControlResponse p = swarm.pull(i, swarm.ref.toString());
        assertFalse(p.hasError(), "n" + i + ": " + p.getError().getMessage());
        swarm.assertHoldsModel(i);
      }
      assertTrue(swarm.origin.served() <= model * 11L / 10, "origin served " + swarm.origin.served());
    }
  }

  private static long eventLoopThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.isAlive() && t.getName().toLowerCase(java.util.Locale.ROOT).contains("eventloop")).count();
  }
}
