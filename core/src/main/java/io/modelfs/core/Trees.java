package io.modelfs.core;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Removing throw-away directory trees (warm-up stores and mounts, the demo's temporary files). */
public final class Trees {
  private static final Logger log = LoggerFactory.getLogger(Trees.class);

  private Trees() {}

  /**
   * Deletes {@code dir} and everything below it, deepest first, without following symbolic
   * links. What cannot be removed (a file in use, a stale mount) is left and logged at WARN as
   * {@code "<what>: cannot remove <path>: <reason>"}. A null or missing {@code dir} does nothing.
   * Never throws: callers use it in {@code finally} blocks, where a leftover is not worth failing for.
   */
  public static void deleteQuietly(Path dir, String what) {
    if (dir == null || !Files.exists(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> {
        try {
          Files.deleteIfExists(p);
        } catch (IOException e) {
          log.warn("{}: cannot remove {}: {}", what, p, e.getMessage());
        }
      });
    } catch (NoSuchFileException e) {
      // removed meanwhile: nothing to do
    } catch (IOException | UncheckedIOException e) {
      log.warn("{}: cannot remove {}: {}", what, dir, e.getMessage());
    }
  }
}
