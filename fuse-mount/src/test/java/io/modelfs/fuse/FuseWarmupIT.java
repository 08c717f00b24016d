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
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
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
    assertTrue(report.reads() >= FuseWarmup.MIN_READS, "a 30 s budget reads past the JIT's thresholds: " + report.reads());
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
    assertTrue(report.reads() > 0 && report.reads() < FuseWarmup.MIN_READS, "reads " + report.reads());
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
  void readsTheCallersModelInFullRequestsReportsToItsListenerAndClosesIt() throws IOException {
    int chunk = 1 << 20; // 32 chunks: a batch of reads per dd child
    InMemoryModel content = InMemoryModel.builder("warm", chunk).file("w.bin", 32 * chunk, 0644).build();
    LongAdder bigReads = new LongAdder();
    LongAdder listened = new LongAdder();
    AtomicBoolean closed = new AtomicBoolean();
    FuseWarmup.Source source = (scratch, seed) -> {
      assertTrue(Files.isDirectory(scratch), "the model gets an empty scratch directory");
      return new FuseWarmup.Model() {
        @Override
        public ModelContent content() {
          return new ModelContent() {
            @Override
            public io.modelfs.core.ModelRef ref() {
              return content.ref();
            }

            @Override
            public io.modelfs.core.Manifest manifest() {
              return content.manifest();
            }

            @Override
            public int read(io.modelfs.core.FileEntry file, int c, int offset, ByteBuffer dst) throws IOException {
              if (dst.remaining() == FuseWarmup.READ_BYTES) {
                bigReads.increment(); // one request of the full size reached the model in one call
              }
              return content.read(file, c, offset, dst);
            }

            @Override
            public void prefetch(io.modelfs.core.FileEntry file, int c) {
              content.prefetch(file, c);
            }
          };
        }

        @Override
        public FuseListener listener() {
          return (op, error, nanos) -> {
            if (op.equals("read") && error == null) {
              listened.increment();
            }
          };
        }

        @Override
        public void close() {
          closed.set(true);
        }
      };
    };

    FuseWarmup.Report report = FuseWarmup.run(tmp.resolve("warmup"), Duration.ofSeconds(30), Clock.systemUTC(), source);

    assertNull(report.error(), "warm-up failed: " + report.error());
    assertTrue(report.reads() >= FuseWarmup.MIN_READS, "reads " + report.reads());
    assertEquals(report.reads(), listened.sum(), "every read reached the caller's listener");
    assertEquals(report.reads(), bigReads.sum(), "every read reached the model as one " + FuseWarmup.READ_BYTES + "-byte request");
    assertTrue(closed.get(), "the model is closed");
    assertFalse(Files.exists(tmp.resolve("warmup")), "the scratch directory is removed");
    assertTrue(noMountUnder(tmp), "no mount is left under " + tmp);
  }

  @Test
  void aModelThatCannotBeMadeIsReportedAndCleanedUp() {
    FuseWarmup.Report report = FuseWarmup.run(tmp.resolve("warmup"), Duration.ofSeconds(5), Clock.systemUTC(),
        (scratch, seed) -> {
          throw new IOException("no store at " + scratch);
        });

    assertNotNull(report.error());
    assertTrue(report.error().contains("no store at"), report.error());
    assertEquals(0, report.reads());
    assertFalse(Files.exists(tmp.resolve("warmup")), "the scratch directory is removed");
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
