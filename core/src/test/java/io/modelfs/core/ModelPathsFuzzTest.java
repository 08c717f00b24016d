package io.modelfs.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.List;

/**
 * A path in a manifest becomes a path under the mount, so {@link ModelPaths#validate} must
 * refuse everything that could leave the model's directory, with an
 * {@link IllegalArgumentException} and nothing else; and a model ref given on a command line or
 * by a peer must parse or fail the same way. A path that is accepted must stay inside any base
 * directory it is resolved against. Inputs are UTF-8, as paths and refs arrive (protobuf
 * strings, command lines).
 */
class ModelPathsFuzzTest {
  private static final Path BASE = Path.of("/mnt/models/m");

  /** The same text as a path and as a ref (one target, as Jazzer fuzzes one target per JVM). */
  @FuzzTest(maxDuration = "30s")
  void validate(byte[] utf8) {
    String text = new String(utf8, StandardCharsets.UTF_8);
    checkPath(text);
    checkRef(text);
  }

  private static void checkPath(String path) {
    List<String> segments;
    try {
      segments = ModelPaths.validate(path);
    } catch (IllegalArgumentException e) {
      assertTrue(e.getMessage() != null && !e.getMessage().isBlank());
      return;
    }
    assertEquals(path, String.join("/", segments), "segments re-join to the path");
    for (String s : segments) {
      assertFalse(s.isEmpty() || s.equals(".") || s.equals(".."), "bad segment accepted in " + path);
      assertTrue(s.getBytes(StandardCharsets.UTF_8).length <= ModelPaths.MAX_SEGMENT_LENGTH,
          "a segment longer than a Linux file name (255 bytes) accepted: " + s.getBytes(StandardCharsets.UTF_8).length + " bytes");
    }
    assertTrue(path.getBytes(StandardCharsets.UTF_8).length <= ModelPaths.MAX_PATH_LENGTH, "path longer than PATH_MAX bytes");
    assertFalse(path.indexOf('\0') >= 0 || path.indexOf('\\') >= 0 || path.startsWith("/"));
    Path resolved;
    try {
      resolved = BASE.resolve(path).normalize();
    } catch (InvalidPathException e) {
      throw new AssertionError("accepted path is not a valid file path: " + path, e);
    }
    assertTrue(resolved.startsWith(BASE) && !resolved.equals(BASE), "accepted path escapes its base: " + path);
  }

  private static void checkRef(String text) {
    ModelRef ref;
    try {
      ref = ModelRef.parse(text);
    } catch (IllegalArgumentException e) {
      assertTrue(e.getMessage() != null && !e.getMessage().isBlank());
      assertFalse(ModelRef.looksLikeRef(text));
      return;
    }
    assertTrue(ModelRef.looksLikeRef(text));
    assertEquals(ref, ModelRef.parse(ref.toString()), "a parsed ref round-trips through its text");
  }
}
