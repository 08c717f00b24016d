package io.modelfs.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.modelfs.fuse.FuseWarmup;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The warm read's start-up warm-up through a real kernel mount and a real chunk store: needs /dev/fuse and root. */
@Timeout(value = 90, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ReadPathWarmupIT {
  @TempDir Path tmp;

  @Test
  void readsAThrowAwayStoreThroughAThrowAwayMountPastTheJitThresholdsAndLeavesNothing() throws IOException {
    Path parent = tmp.resolve("warmup-fuse");

    FuseWarmup.Report report = ReadPathWarmup.run(parent, Duration.ofSeconds(40), Clock.systemUTC());

    assertNull(report.error(), "warm-up failed: " + report.error());
    assertTrue(report.reads() >= FuseWarmup.MIN_READS, "reads " + report.reads());
    assertFalse(Files.exists(parent), "the store, the mount point and their directory are removed");
    assertTrue(Files.readAllLines(Path.of("/proc/self/mountinfo")).stream().noneMatch(l -> l.contains(tmp.toString())),
        "no mount is left under " + tmp);
  }

  @Test
  void doesNothingWithAZeroBudget() {
    FuseWarmup.Report report = ReadPathWarmup.run(tmp.resolve("warmup-fuse"), Duration.ZERO, Clock.systemUTC());

    assertEquals(0, report.reads());
    assertNull(report.error());
    assertFalse(Files.exists(tmp.resolve("warmup-fuse")));
  }
}
