package io.modelfs.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The start-up warm-up through a real kernel mount: needs /dev/fuse, libfuse2 and root. */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class FuseWarmupIT {
  @TempDir Path tmp;

  @Test
  void readsThroughAThrowAwayMountAndLeavesNothingBehind() throws IOException {
    Path parent = tmp.resolve("warmup");
    FuseWarmup.Report report = FuseWarmup.run(parent, Duration.ofSeconds(30), Clock.systemUTC());

    assertNull(report.error(), "warm-up failed: " + report.error());
    assertEquals(FuseWarmup.MAX_READS, report.reads(), "a 30 s budget is far more than the read bound needs");
    assertFalse(Files.exists(parent), "the warm-up's directory is removed");
    assertTrue(noMountUnder(tmp), "no mount is left under " + tmp);
  }

  @Test
  void removesWhatAnEarlierWarmupLeftBehind() throws IOException {
    Path parent = tmp.resolve("warmup");
    Path leftover = Files.createDirectories(parent.resolve(FuseWarmup.PREFIX + "123").resolve("mnt"));
    Files.writeString(leftover.resolveSibling("chunk"), "old");
    Path unrelated = Files.writeString(parent.resolve("keep.txt"), "not the warm-up's");

    FuseWarmup.Report report = FuseWarmup.run(parent, Duration.ofSeconds(30), Clock.systemUTC());

    assertNull(report.error(), "warm-up failed: " + report.error());
    assertFalse(Files.exists(leftover.getParent()), "the earlier warm-up's directory is removed");
    assertTrue(Files.exists(unrelated), "other files are left alone (and so is their directory)");
  }

  @Test
  void stopsAtItsTimeBudget() throws IOException {
    // A clock that moves 50 ms each time it is read: the budget of 2 s is gone after ~40 readings, long
    // before the read bound (the loop reads the clock every 256 reads).
    AtomicLong millis = new AtomicLong();
    Clock stepping = new Clock() {
      @Override
      public Instant instant() {
        return Instant.ofEpochMilli(millis.addAndGet(50));
      }

      @Override
      public ZoneOffset getZone() {
        return ZoneOffset.UTC;
      }

      @Override
      public Clock withZone(java.time.ZoneId zone) {
        return this;
      }
    };
    FuseWarmup.Report report = FuseWarmup.run(tmp.resolve("warmup"), Duration.ofSeconds(2), stepping);

    assertNull(report.error(), "warm-up failed: " + report.error());
    assertTrue(report.reads() > 0 && report.reads() < FuseWarmup.MAX_READS, "reads " + report.reads());
    assertTrue(noMountUnder(tmp), "no mount is left under " + tmp);
  }

  @Test
  void aProcessStoppedDuringItsWarmUpExits() throws Exception {
    // The warm-up's reads reach this process's own mount. A process one of whose threads waits on a
    // request to its own mount cannot exit (the kernel waits for the answer once the request was
    // read, and the answer channel closes only when every thread has gone): an agent stopped during
    // its warm-up used to hang, unkillable, with its mounts (bench/mounters.sh, 2026-11-28).
    Path parent = tmp.resolve("warmup");
    Process child = new ProcessBuilder(Commands.java(WarmupLoopMain.class, parent.toString()))
        .redirectErrorStream(true).redirectOutput(tmp.resolve("child.log").toFile()).start();
    try {
      Instant deadline = Instant.now().plusSeconds(30);
      while (!mountedUnder(parent) && Instant.now().isBefore(deadline) && child.isAlive()) {
        Thread.sleep(20);
      }
      assertTrue(mountedUnder(parent), "the warm-up mounted within 30 s: " + Files.readString(tmp.resolve("child.log")));
      Thread.sleep(300); // reads under way
      child.destroy(); // SIGTERM, as a pod's stop or `timeout` sends

      assertTrue(child.waitFor(20, java.util.concurrent.TimeUnit.SECONDS),
          "the stopped process exits: " + Files.readString(tmp.resolve("child.log")));
    } finally {
      child.destroyForcibly();
      for (MountTable.Mount m : Files.readAllLines(MountTable.MOUNTINFO).stream().map(MountTable::parse)
          .filter(m -> m.mountPoint().startsWith(tmp)).toList()) {
        Commands.run("fusermount", "-u", "-z", m.mountPoint().toString());
      }
    }
  }

  private static boolean mountedUnder(Path dir) throws IOException {
    return !noMountUnder(dir);
  }

  private static boolean noMountUnder(Path dir) throws IOException {
    return Files.readAllLines(MountTable.MOUNTINFO).stream().map(MountTable::parse)
        .noneMatch(m -> m.mountPoint().startsWith(dir));
  }

  @Test
  void doesNothingWithAZeroBudget() {
    FuseWarmup.Report report = FuseWarmup.run(tmp.resolve("warmup"), Duration.ZERO, Clock.systemUTC());

    assertEquals(0, report.reads());
    assertNull(report.error());
    assertFalse(Files.exists(tmp.resolve("warmup")));
  }

  @Test
  void reportsAFailureInsteadOfThrowing() throws IOException {
    // The parent is a regular file: the temporary directory cannot be made under it.
    Path notADirectory = Files.writeString(tmp.resolve("file"), "x");
    FuseWarmup.Report report = FuseWarmup.run(notADirectory, Duration.ofSeconds(5), Clock.systemUTC());

    assertNotNull(report.error());
    assertEquals(0, report.reads());
    assertTrue(Files.exists(notADirectory), "a parent the warm-up did not make is left alone");
  }
}
