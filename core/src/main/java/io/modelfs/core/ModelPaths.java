package io.modelfs.core;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Validation of the relative paths inside a model. A manifest comes from a bucket or a peer
 * and a path in it becomes a path under the mount, so every path is checked on import and on
 * load: relative, '/'-separated, no empty, '.' or '..' segments, no NUL or backslash, and
 * within Linux's limits, which count UTF-8 bytes, not characters: at most
 * {@value #MAX_SEGMENT_LENGTH} bytes per segment (NAME_MAX) and {@value #MAX_PATH_LENGTH} in all
 * (PATH_MAX); a longer name would validate here and then fail every lookup in the mount.
 */
public final class ModelPaths {
  /** Bytes of UTF-8 in a whole path. */
  public static final int MAX_PATH_LENGTH = 4096;
  /** Bytes of UTF-8 in one segment. */
  public static final int MAX_SEGMENT_LENGTH = 255;

  private ModelPaths() {}

  /** Returns the path's segments, or throws with a message naming the path and the fault. */
  public static List<String> validate(String path) {
    if (path == null || path.isEmpty()) {
      throw new IllegalArgumentException("empty path in model");
    }
    if (path.length() > MAX_PATH_LENGTH || utf8Length(path) > MAX_PATH_LENGTH) {
      throw bad(path, "longer than " + MAX_PATH_LENGTH + " bytes (UTF-8)");
    }
    if (path.startsWith("/")) {
      throw bad(path, "absolute paths are not allowed");
    }
    for (int i = 0; i < path.length(); i++) {
      char c = path.charAt(i);
      if (c == 0 || c == '\\' || Character.isISOControl(c)) {
        throw bad(path, "contains a control character or backslash");
      }
    }
    List<String> segments = List.of(path.split("/", -1));
    for (String s : segments) {
      if (s.isEmpty()) {
        throw bad(path, "empty segment");
      }
      if (s.equals(".") || s.equals("..")) {
        throw bad(path, "'" + s + "' segments are not allowed");
      }
      if (utf8Length(s) > MAX_SEGMENT_LENGTH) {
        throw bad(path, "a segment is longer than " + MAX_SEGMENT_LENGTH + " bytes (UTF-8), the most a Linux file name may have");
      }
    }
    return segments;
  }

  /** UTF-8 length as Java encodes the string (an unpaired surrogate becomes one '?' byte). */
  private static int utf8Length(String s) {
    return s.getBytes(StandardCharsets.UTF_8).length;
  }

  private static IllegalArgumentException bad(String path, String why) {
    String shown = path.length() > 200 ? path.substring(0, 197) + "..." : path;
    return new IllegalArgumentException("invalid path '" + shown.replace("\0", "\\0") + "' in model: " + why);
  }
}
