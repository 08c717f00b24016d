package io.modelfs.fuse;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * This process's view of the mounts, from {@code /proc/self/mountinfo}: the kernel's word on
 * whether a directory is a mount point, which is how {@link FuseMount} knows a mount went live
 * or went away without touching the mount itself (a stat of a dead FUSE mount fails and of a
 * hung one blocks).
 */
final class MountTable {
  static final Path MOUNTINFO = Path.of("/proc/self/mountinfo");

  /**
   * One line of mountinfo: where, what type ({@code fuse.modelfs}), from what source, and the
   * device number ({@code major:minor}, which names the mount's {@code /sys/class/bdi} entry).
   */
  record Mount(Path mountPoint, String fsType, String source, String device) {
    boolean isFuse() {
      return fsType.equals("fuse") || fsType.startsWith("fuse.") || fsType.equals("fuseblk");
    }
  }

  private MountTable() {}

  /** The topmost mount at {@code dir} (absolute, normalized), if any. */
  static Optional<Mount> find(Path dir) throws IOException {
    Mount found = null;
    for (String line : Files.readAllLines(MOUNTINFO, StandardCharsets.UTF_8)) {
      Mount mount = parse(line);
      if (mount.mountPoint().equals(dir)) {
        found = mount; // later lines are mounted on top of earlier ones
      }
    }
    return Optional.ofNullable(found);
  }

  /**
   * Parses {@code 36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw}: field 3 is
   * the device, field 5 the mount point; after the " - " separator come the type and the source.
   */
  static Mount parse(String line) {
    String[] fields = line.split(" ");
    int separator = 6; // optional fields, then "-"
    while (separator < fields.length && !fields[separator].equals("-")) {
      separator++;
    }
    if (separator + 2 >= fields.length) {
      throw new IllegalArgumentException("unexpected line in " + MOUNTINFO + ": '" + line + "'");
    }
    return new Mount(Path.of(unescape(fields[4])), fields[separator + 1], unescape(fields[separator + 2]), fields[2]);
  }

  /** Undoes the kernel's octal escapes of space, tab, newline and backslash ({@code \040}). */
  static String unescape(String field) {
    if (field.indexOf('\\') < 0) {
      return field;
    }
    byte[] raw = field.getBytes(StandardCharsets.UTF_8);
    ByteArrayOutputStream out = new ByteArrayOutputStream(raw.length);
    for (int i = 0; i < raw.length; i++) {
      if (raw[i] == '\\' && i + 3 < raw.length && isOctal(raw, i + 1)) {
        out.write(Integer.parseInt(new String(raw, i + 1, 3, StandardCharsets.US_ASCII), 8));
        i += 3;
      } else {
        out.write(raw[i]);
      }
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  private static boolean isOctal(byte[] raw, int from) {
    for (int i = from; i < from + 3; i++) {
      if (raw[i] < '0' || raw[i] > '7') {
        return false;
      }
    }
    return true;
  }
}
