package io.modelfs.fuse;

import io.modelfs.core.FileEntry;
import io.modelfs.core.Manifest;
import io.modelfs.core.ModelRef;
import java.time.Instant;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * One opened model: its content and the directory tree its manifest's file paths imply.
 * Built once when the model is first looked up and never changed after, so any thread may read
 * it without locking.
 */
final class ModelTree {
  private final ModelContent content;
  private final Instant openedAt;
  private final Node.Dir root;

  ModelTree(ModelContent content, Instant openedAt) {
    this.content = content;
    this.openedAt = openedAt;
    ModelRef ref = content.ref();
    Map<String, SortedMap<String, Node>> dirs = new HashMap<>();
    this.root = directory(ref, "", dirs);
    for (FileEntry entry : content.manifest().files()) {
      String path = entry.path();
      int slash = path.lastIndexOf('/');
      String parent = slash < 0 ? "" : path.substring(0, slash);
      childrenOf(ref, parent, dirs)
          .put(path.substring(slash + 1), new Node.File(path, Inodes.of(ref, path), entry));
    }
  }

  ModelRef ref() {
    return content.ref();
  }

  ModelContent content() {
    return content;
  }

  Manifest manifest() {
    return content.manifest();
  }

  Node.Dir root() {
    return root;
  }

  /** The node at {@code segments} below the model's directory. */
  Node find(List<String> segments) throws FsException {
    Node node = root;
    for (String segment : segments) {
      if (!(node instanceof Node.Dir dir)) {
        throw new FsException(Errno.ENOTDIR, "'" + node.path() + "' in " + ref() + " is a file, not a directory");
      }
      node = dir.children().get(segment);
      if (node == null) {
        throw new FsException(Errno.ENOENT, "no '" + String.join("/", segments) + "' in " + ref());
      }
    }
    return node;
  }

  Attributes attributes(Node node) {
    if (node instanceof Node.File file) {
      FileEntry entry = file.entry();
      return new Attributes(file.inode(), Attributes.S_IFREG | entry.mode(), entry.size(), 1, openedAt);
    }
    Node.Dir dir = (Node.Dir) node;
    return new Attributes(
        dir.inode(), Attributes.S_IFDIR | Attributes.DIRECTORY_PERMISSIONS, 0, (int) (2 + dir.subdirectories()), openedAt);
  }

  /** The children map of directory {@code path}, creating it and its ancestors as needed. */
  private SortedMap<String, Node> childrenOf(ModelRef ref, String path, Map<String, SortedMap<String, Node>> dirs) {
    SortedMap<String, Node> children = dirs.get(path);
    if (children == null) {
      int slash = path.lastIndexOf('/');
      String parent = slash < 0 ? "" : path.substring(0, slash);
      Node.Dir dir = directory(ref, path, dirs);
      childrenOf(ref, parent, dirs).put(path.substring(slash + 1), dir);
      children = dirs.get(path);
    }
    return children;
  }

  private static Node.Dir directory(ModelRef ref, String path, Map<String, SortedMap<String, Node>> dirs) {
    SortedMap<String, Node> children = new TreeMap<>();
    dirs.put(path, children);
    // The view is read-only for everyone else; the constructor fills it through `dirs`.
    return new Node.Dir(path, Inodes.of(ref, path), Collections.unmodifiableSortedMap(children));
  }
}
