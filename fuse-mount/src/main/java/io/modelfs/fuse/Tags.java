package io.modelfs.fuse;

import io.modelfs.core.ModelRef;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The {@code NAME:TAG} entries of the mount's root: symbolic links to the directory of the ref
 * the catalog resolves the name to (the tracker's names). Unlike a ref, a tag can move, so a
 * resolution is reused for {@link #TTL} only and asked again after; the link keeps one inode, so
 * the kernel asks {@code readlink} each time and a re-tag shows up within seconds.
 *
 * <p>Thread-safe. Errors: ENOENT for a name the catalog does not know, EIO if it failed.
 */
final class Tags {
  /** How long a resolution is reused. */
  static final Duration TTL = Duration.ofSeconds(2);

  private record Resolved(ModelRef ref, Instant at) {}

  private final ModelCatalog catalog;
  private final Clock clock;
  private final Map<String, Resolved> resolved = new ConcurrentHashMap<>();

  Tags(ModelCatalog catalog, Clock clock) {
    this.catalog = catalog;
    this.clock = clock;
  }

  /** True if {@code name} (a segment of the root) reads as {@code NAME:TAG} rather than a ref. */
  static boolean isTag(String name) {
    int colon = name.indexOf(':');
    return colon > 0 && colon < name.length() - 1 && name.indexOf('@') < 0 && name.indexOf(':', colon + 1) < 0;
  }

  /** The ref {@code name} points at now. */
  ModelRef resolve(String name) throws FsException {
    Resolved r = resolved.get(name);
    Instant now = clock.instant();
    if (r != null && now.isBefore(r.at().plus(TTL))) {
      return r.ref();
    }
    Optional<ModelRef> found;
    try {
      found = catalog.resolveName(name);
    } catch (IOException | RuntimeException e) {
      throw new FsException(Errno.EIO, "resolving '" + name + "' failed: " + e.getMessage(), e);
    }
    if (found.isEmpty()) {
      resolved.remove(name);
      throw new FsException(Errno.ENOENT, "no model is tagged '" + name + "'");
    }
    resolved.put(name, new Resolved(found.get(), now));
    return found.get();
  }

  /** The tags looked up so far and what they pointed at last, by name. */
  SortedMap<String, ModelRef> known() {
    SortedMap<String, ModelRef> out = new TreeMap<>();
    resolved.forEach((name, r) -> out.put(name, r.ref()));
    return out;
  }

  /** What {@code stat} shows for the link {@code name} pointing at {@code target}. */
  static Attributes attributes(String name, ModelRef target, Instant time) {
    return new Attributes(Inodes.ofName(name), Attributes.S_IFLNK | 0777, target.toString().length(), 1, time);
  }
}
