package io.modelfs.fuse;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The kernel's readahead window for a mount, which libfuse 2 cannot set: FUSE mounts start at
 * 128 KiB, so a sequential reader would have one 128 KiB request in flight at a time. The
 * window lives in {@code /sys/class/bdi/<major:minor>/read_ahead_kb} of the mount's device.
 * Setting it is best effort: in a container without a writable {@code /sys} the mount works,
 * only slower, and the log says so.
 */
final class KernelReadahead {
  static final Path BDI = Path.of("/sys/class/bdi");
  private static final java.time.Duration STAT_TIMEOUT = java.time.Duration.ofSeconds(10);

  private KernelReadahead() {}

  /** Sets the window of the mount at {@code point} to {@code kb} (0: leave it); returns what happened, for the log. */
  static String set(Path point, int kb) {
    if (kb == 0) {
      return "kernel readahead left at its default";
    }
    try {
      Optional<MountTable.Mount> mount = MountTable.find(point);
      if (mount.isEmpty()) {
        return "kernel readahead not set: " + point + " is not in " + MountTable.MOUNTINFO;
      }
      // The kernel sets the window from libfuse's INIT reply, which may come after the mount
      // is listed: a stat waits for INIT, so the value written below is not overwritten. The
      // stat runs in a child process: a thread of this process waiting on its own mount would
      // keep the process from exiting if it were stopped meanwhile (see FuseWarmup).
      statFromChild(point);
      Path file = BDI.resolve(mount.get().device()).resolve("read_ahead_kb");
      Files.writeString(file, Integer.toString(kb), StandardCharsets.US_ASCII);
      return "kernel readahead " + kb + " KiB (" + file + ")";
    } catch (IOException | RuntimeException e) {
      return "kernel readahead not set to " + kb + " KiB (reads stay correct, sequential ones slower): " + e;
    }
  }

  /** Runs {@code stat} on {@code point} in a child process, waiting at most {@link #STAT_TIMEOUT}. */
  private static void statFromChild(Path point) throws IOException {
    ChildProcess.Result r = ChildProcess.run(STAT_TIMEOUT, java.util.List.of("stat", "-c", "%i", point.toString()));
    if (r.exit() != 0) {
      throw new IOException("stat of " + point + " failed (exit " + r.exit() + "): " + r.output());
    }
  }

  /** The current window of the mount at {@code point}, in KiB. */
  static int get(Path point) throws IOException {
    MountTable.Mount mount = MountTable.find(point)
        .orElseThrow(() -> new IOException(point + " is not in " + MountTable.MOUNTINFO));
    return Integer.parseInt(Files.readString(BDI.resolve(mount.device()).resolve("read_ahead_kb")).strip());
  }
}
