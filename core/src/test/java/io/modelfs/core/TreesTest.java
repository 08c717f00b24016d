package io.modelfs.core;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TreesTest {
  @TempDir Path tmp;

  @Test
  void removesATreeButNotWhatItsLinksPointTo() throws IOException {
    Path outside = Files.writeString(Files.createDirectories(tmp.resolve("outside")).resolve("keep"), "x");
    Path tree = tmp.resolve("tree");
    Files.writeString(Files.createDirectories(tree.resolve("a/b")).resolve("f"), "y");
    Files.createSymbolicLink(tree.resolve("a/link"), outside.getParent());

    Trees.deleteQuietly(tree, "test");

    assertFalse(Files.exists(tree), tree + " still there");
    assertTrue(Files.exists(outside), "a file reached through a link was removed");
  }

  @Test
  void nullOrMissingDirectoriesAreNothingToDo() {
    Trees.deleteQuietly(null, "test");
    Trees.deleteQuietly(tmp.resolve("missing"), "test");
    assertTrue(Files.isDirectory(tmp));
  }
}
