package io.modelfs.core;

import java.util.List;

/**
 * Validation of the relative paths inside a model. A manifest comes from a bucket or a peer
 * and a path in it becomes a path under the mount, so every path is checked on import and on
 * load: relative, '/'-separated, no empty, '.' or '..' segments, no NUL or backslash.
 */
public final class ModelPaths {
  public static final int MAX_PATH_LENGTH = 4096;
  public static final int MAX_SEGMENT_LENGTH = 255;

  private ModelPaths() {}

  /** Returns the path's segments, or throws with a message naming the path and the fault. */
  public static List<String> validate(String path) {
    if (path == null || path.isEmpty()) {
      throw new IllegalArgumentException("empty path in model");
    }
    if (path.length() > MAX_PATH_LENGTH) {
      throw bad(path, "longer than " + MAX_PATH_LENGTH + " characters");
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
      if (s.length() > MAX_SEGMENT_LENGTH) {
        throw bad(path, "a segment is longer than " + MAX_SEGMENT_LENGTH + " characters");
      }
    }
    return segments;
  }

  private static IllegalArgumentException bad(String path, String why) {
    String shown = path.length() > 200 ? path.substring(0, 197) + "..." : path;
    return new IllegalArgumentException("invalid path '" + shown.replace("\0", "\\0") + "' in model: " + why);
  }
}
