package io.modelfs.fuse;

import io.modelfs.core.FileEntry;
import java.util.SortedMap;

/** A directory or file inside one model, as {@link ModelTree} indexes it. */
sealed interface Node {
  /** The path relative to the model's directory; "" for the model's directory itself. */
  String path();

  long inode();

  /** A directory implied by the paths of the files under it. */
  record Dir(String path, long inode, SortedMap<String, Node> children) implements Node {
    long subdirectories() {
      return children.values().stream().filter(Dir.class::isInstance).count();
    }
  }

  record File(String path, long inode, FileEntry entry) implements Node {}
}
