package io.modelfs.fuse;

import io.modelfs.core.ModelRef;
import java.io.IOException;
import java.time.Clock;
import java.util.Collection;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ConcurrentNavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * The models of the mount's root: a model appears the first time its ref is looked up and the
 * catalog has it, and stays for the life of the mount. The catalog is asked once per ref even
 * when many threads look the ref up at once (single flight); absent refs and failures are not
 * remembered, so a later lookup asks again.
 */
final class OpenedModels {
  private final ModelCatalog catalog;
  private final Clock clock;
  private final ConcurrentNavigableMap<String, ModelTree> opened = new ConcurrentSkipListMap<>();
  private final ConcurrentMap<ModelRef, CompletableFuture<ModelTree>> opening = new ConcurrentHashMap<>();

  OpenedModels(ModelCatalog catalog, Clock clock) {
    this.catalog = catalog;
    this.clock = clock;
  }

  /** The opened models, sorted by directory name. */
  Collection<ModelTree> all() {
    return opened.values();
  }

  /**
   * The model whose directory is {@code name}, opening it through the catalog if needed.
   * ENOENT if the name is not a canonical ref or the catalog does not have it; EIO if the
   * catalog failed.
   */
  ModelTree get(String name) throws FsException {
    ModelTree tree = opened.get(name);
    if (tree != null) {
      return tree;
    }
    ModelRef ref = parse(name);
    CompletableFuture<ModelTree> mine = new CompletableFuture<>();
    CompletableFuture<ModelTree> theirs = opening.putIfAbsent(ref, mine);
    if (theirs != null) {
      return await(theirs);
    }
    try {
      // Another thread may have finished opening between our first look and putIfAbsent.
      tree = opened.get(name);
      if (tree == null) {
        tree = load(ref);
        opened.put(name, tree);
      }
      mine.complete(tree);
      return tree;
    } catch (FsException | RuntimeException e) {
      mine.completeExceptionally(e);
      throw e;
    } finally {
      opening.remove(ref, mine);
    }
  }

  private ModelTree load(ModelRef ref) throws FsException {
    Optional<ModelContent> content;
    try {
      content = catalog.open(ref);
    } catch (IOException | RuntimeException e) {
      throw new FsException(Errno.EIO, "catalog failed to open " + ref + ": " + e, e);
    }
    if (content.isEmpty()) {
      throw new FsException(Errno.ENOENT, "catalog has no model " + ref);
    }
    ModelRef got = content.get().ref();
    if (!ref.digest().equals(got.digest())) {
      throw new FsException(Errno.EIO, "catalog returned model " + got + " when asked for " + ref);
    }
    return new ModelTree(content.get(), clock.instant());
  }

  private static ModelRef parse(String name) throws FsException {
    ModelRef ref;
    try {
      ref = ModelRef.parse(name);
    } catch (IllegalArgumentException e) {
      throw new FsException(Errno.ENOENT, "'" + name + "' is not a model ref: " + e.getMessage());
    }
    if (!ref.toString().equals(name)) {
      // One directory per model: upper-case hex would be a second name for the same one.
      throw new FsException(Errno.ENOENT, "'" + name + "' is not a canonical model ref; use " + ref);
    }
    return ref;
  }

  private static ModelTree await(CompletableFuture<ModelTree> future) throws FsException {
    try {
      return future.join();
    } catch (CompletionException e) {
      if (e.getCause() instanceof FsException fs) {
        throw new FsException(fs.errno(), fs.getMessage(), fs);
      }
      throw new FsException(Errno.EIO, "opening a model failed: " + e.getCause(), e.getCause());
    }
  }
}
