package io.modelfs.fuse;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;

/** Runs the FUSE warm-up under {@code args[0]} over and over (at most 100 times), to be stopped midway by a test. */
public final class WarmupLoopMain {
  private WarmupLoopMain() {}

  public static void main(String[] args) {
    for (int i = 0; i < 100; i++) {
      FuseWarmup.Report report = FuseWarmup.run(Path.of(args[0]), Duration.ofSeconds(30), Clock.systemUTC());
      System.out.println("warm-up " + i + ": " + report.reads() + " reads" + (report.error() == null ? "" : ", " + report.error()));
      System.out.flush();
    }
  }
}
