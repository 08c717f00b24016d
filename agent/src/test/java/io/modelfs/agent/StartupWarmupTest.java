package io.modelfs.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StartupWarmupTest {
  @TempDir
  Path tmp;

  @Test
  void storesAndReadsBackChunksThenLeavesNothingBehind() throws IOException {
    Path parent = tmp.resolve("store").resolve("warmup");
    StartupWarmup.Report r = StartupWarmup.run(parent, Duration.ofSeconds(2), Clock.systemUTC());

    assertNull(r.error());
    assertTrue(r.throughS3(), "the chunks came through the S3 origin on the loopback server");
    assertTrue(r.chunks() >= 1 && r.chunks() <= StartupWarmup.MAX_CHUNKS, "chunks: " + r.chunks());
    assertTrue(r.setup().compareTo(r.wall()) <= 0, "set-up " + r.setup() + " is part of " + r.wall());
    assertEquals((long) r.chunks() * StartupWarmup.CHUNK_BYTES, r.bytes());
    assertTrue(r.lastShaMbPerSecond() > 0);
    // Bounded: the budget plus at most one chunk's round (a generous margin on a loaded 2-core machine).
    assertTrue(r.wall().compareTo(Duration.ofSeconds(30)) < 0, "took " + r.wall());
    assertTrue(Files.notExists(parent), "the throw-away store and its emptied parent are removed");
    assertTrue(Files.isDirectory(parent.getParent()), "only what the warm-up made is removed");
  }

  @Test
  void zeroBudgetDoesNothing() {
    Path parent = tmp.resolve("never");
    StartupWarmup.Report r = StartupWarmup.run(parent, Duration.ZERO, Clock.systemUTC());

    assertEquals(0, r.chunks());
    assertNull(r.error());
    assertTrue(Files.notExists(parent));
  }

  @Test
  void anUnusableDirectoryIsReportedNotThrown() throws IOException {
    Path file = Files.writeString(tmp.resolve("a-file"), "not a directory");
    StartupWarmup.Report r = StartupWarmup.run(file.resolve("warmup"), Duration.ofSeconds(1), Clock.systemUTC());

    assertEquals(0, r.chunks());
    assertNotNull(r.error());
    assertTrue(r.error().contains("a-file"), r.error());
  }
}
