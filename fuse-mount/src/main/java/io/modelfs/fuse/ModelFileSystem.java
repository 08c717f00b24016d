package io.modelfs.fuse;

import io.modelfs.core.Digest;
import io.modelfs.core.ModelPaths;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The read-only filesystem of a mount, in plain Java: paths of the form
 * {@code /<name>@sha256:<hex>/<file path>} resolve to manifest entries, reads to chunk reads.
 * Errors are {@link FsException}s carrying an {@link Errno}; {@link FuseAdapter} only
 * translates. Thread-safe: the kernel calls in from many threads at once.
 *
 * <p>Paths are absolute and normalized, as FUSE passes them ({@code "/"} is the root).
 */
final class ModelFileSystem {
  static final int O_ACCMODE = 03;
  static final int O_RDONLY = 0;
  static final int W_OK = 2;
  static final int X_OK = 1;

  /** Extended attribute of each file: see {@link #xattrs}. */
  static final String XATTR_DIGEST = "user.modelfs.digest";
  /** Extended attribute of each model's directory: its ref. */
  static final String XATTR_REF = "user.modelfs.ref";

  private final OpenedModels models;
  private final Tags tags;
  private final int readaheadChunks;
  private final long readaheadTolerance;
  private final FormatPrefetch formatPrefetch;
  private final Instant mountedAt;
  private final Map<Long, OpenFile> handles = new ConcurrentHashMap<>();
  private final AtomicLong nextHandle = new AtomicLong(1);

  /**
   * @param background runs format-aware prefetches (reading a safetensors header); unused when
   *     {@code config.formatPrefetch()} is off
   */
  ModelFileSystem(ModelCatalog catalog, MountConfig config, Clock clock, Executor background) {
    this.models = new OpenedModels(catalog, clock);
    this.tags = new Tags(catalog, clock);
    this.readaheadChunks = config.readaheadChunks();
    this.readaheadTolerance = Readahead.tolerance(config);
    this.formatPrefetch = config.formatPrefetch() ? new FormatPrefetch(background) : null;
    this.mountedAt = clock.instant();
  }

  Attributes getattr(String path) throws FsException {
    String tag = tagOf(path);
    if (tag != null) {
      return Tags.attributes(tag, tags.resolve(tag), mountedAt);
    }
    Location at = resolve(path);
    return at.isRoot() ? rootAttributes() : at.model().attributes(at.node());
  }

  /** The entries of directory {@code path}, starting with "." and "..". */
  List<DirEntry> readdir(String path) throws FsException {
    Location at = resolve(path);
    List<DirEntry> entries = new ArrayList<>();
    if (at.isRoot()) {
      entries.add(new DirEntry(".", rootAttributes()));
      entries.add(new DirEntry("..", rootAttributes()));
      for (ModelTree model : models.all()) {
        entries.add(new DirEntry(model.ref().toString(), model.attributes(model.root())));
      }
      tags.known().forEach((name, ref) -> entries.add(new DirEntry(name, Tags.attributes(name, ref, mountedAt))));
      return entries;
    }
    if (!(at.node() instanceof Node.Dir dir)) {
      throw new FsException(Errno.ENOTDIR, "'" + path + "' is a file, not a directory");
    }
    entries.add(new DirEntry(".", at.model().attributes(dir)));
    entries.add(new DirEntry("..", parentAttributes(at.model(), dir)));
    for (Map.Entry<String, Node> child : dir.children().entrySet()) {
      entries.add(new DirEntry(child.getKey(), at.model().attributes(child.getValue())));
    }
    return entries;
  }

  /** Opens file {@code path} for reading and returns its handle; any write access is EROFS. */
  long open(String path, int flags) throws FsException {
    if ((flags & O_ACCMODE) != O_RDONLY) {
      throw new FsException(Errno.EROFS, "'" + path + "' cannot be opened for writing (flags 0" + Integer.toOctalString(flags)
          + "): models are read-only");
    }
    Location at = resolve(path);
    if (!(at.node() instanceof Node.File file)) {
      throw new FsException(Errno.EISDIR, "'" + path + "' is a directory");
    }
    long handle = nextHandle.getAndIncrement();
    handles.put(handle, new OpenFile(at.model(), file.entry(), readaheadChunks, readaheadTolerance));
    if (formatPrefetch != null) {
      formatPrefetch.opened(at.model(), file);
    }
    return handle;
  }

  /** Reads into {@code dst} from {@code offset} of the file open as {@code handle}; see {@link OpenFile#read}. */
  int read(long handle, long offset, ByteBuffer dst) throws FsException {
    OpenFile file = handles.get(handle);
    if (file == null) {
      throw new FsException(Errno.EBADF, "file handle " + handle + " is not open");
    }
    return file.read(offset, dst);
  }

  /** Forgets {@code handle}; releasing an unknown handle does nothing. */
  void release(long handle) {
    handles.remove(handle);
  }

  /** The number of open file handles. */
  int openHandles() {
    return handles.size();
  }

  FsStats statfs() {
    long blocks = 0;
    long files = 0;
    for (ModelTree model : models.all()) {
      blocks += (model.manifest().totalBytes() + FsStats.BLOCK_SIZE - 1) / FsStats.BLOCK_SIZE;
      files += model.manifest().files().size();
    }
    return new FsStats(FsStats.BLOCK_SIZE, blocks, files, ModelPaths.MAX_SEGMENT_LENGTH);
  }

  /** Checks that {@code path} exists and allows {@code mask}; asking to write is EROFS. */
  void access(String path, int mask) throws FsException {
    Attributes attributes = getattr(path);
    if ((mask & W_OK) != 0) {
      throw new FsException(Errno.EROFS, "'" + path + "' is on a read-only filesystem");
    }
    if ((mask & X_OK) != 0 && (attributes.permissions() & 0111) == 0) {
      throw new FsException(Errno.EACCES, "'" + path + "' is not executable (mode 0"
          + Integer.toOctalString(attributes.permissions()) + ")");
    }
  }

  /**
   * The extended attributes of {@code path}, names to values, all ASCII:
   * {@value #XATTR_DIGEST} on each file is {@code sha256:<hex>}, the SHA-256 of the file's
   * chunk digests (32 raw bytes each, in file order) — the file's identity in this manifest,
   * computed without reading its data; two files with the same bytes and chunk size have the
   * same value. {@value #XATTR_REF} on each model's directory is the model's ref. The root and
   * other directories have none.
   */
  Map<String, byte[]> xattrs(String path) throws FsException {
    Map<String, byte[]> attributes = new LinkedHashMap<>();
    if (tagOf(path) != null) {
      getattr(path);
      return attributes;
    }
    Location at = resolve(path);
    if (at.isRoot()) {
      return attributes;
    }
    if (at.node() instanceof Node.File file) {
      attributes.put(XATTR_DIGEST, ("sha256:" + fileDigest(file)).getBytes(StandardCharsets.US_ASCII));
    } else if (at.node() == at.model().root()) {
      attributes.put(XATTR_REF, at.model().ref().toString().getBytes(StandardCharsets.US_ASCII));
    }
    return attributes;
  }

  /** The value of extended attribute {@code name} of {@code path}; ENODATA if it has none of that name. */
  byte[] getxattr(String path, String name) throws FsException {
    byte[] value = xattrs(path).get(name);
    if (value == null) {
      throw new FsException(Errno.ENODATA, "'" + path + "' has no extended attribute '" + name + "'");
    }
    return value;
  }

  private static String fileDigest(Node.File file) {
    MessageDigest sha = Digest.newSha256();
    for (Digest chunk : file.entry().chunks()) {
      sha.update(chunk.toBytes());
    }
    return Digest.finish(sha).hex();
  }

  /**
   * The target of a {@code /NAME:TAG} link: the directory name of the ref the tag points at now
   * (relative, so it resolves inside this mount). EINVAL for any other path that exists.
   */
  String readlink(String path) throws FsException {
    String tag = tagOf(path);
    if (tag != null) {
      return tags.resolve(tag).toString();
    }
    getattr(path);
    throw new FsException(Errno.EINVAL, "'" + path + "' is not a symbolic link");
  }

  /** The tag if {@code path} is a {@code /NAME:TAG} entry of the root, else null. */
  private static String tagOf(String path) {
    if (path == null || !path.startsWith("/") || path.indexOf('/', 1) >= 0) {
      return null;
    }
    String name = path.substring(1);
    return Tags.isTag(name) ? name : null;
  }

  private Attributes rootAttributes() {
    // One link: "unknown" to find(1); models appear over time, and a cached count would lie.
    return new Attributes(Inodes.ROOT, Attributes.S_IFDIR | Attributes.DIRECTORY_PERMISSIONS, 0, 1, mountedAt);
  }

  private Attributes parentAttributes(ModelTree model, Node.Dir dir) throws FsException {
    if (dir.path().isEmpty()) {
      return rootAttributes();
    }
    int slash = dir.path().lastIndexOf('/');
    String parent = slash < 0 ? "" : dir.path().substring(0, slash);
    return model.attributes(parent.isEmpty() ? model.root() : model.find(List.of(parent.split("/"))));
  }

  private Location resolve(String path) throws FsException {
    if (path == null || !path.startsWith("/")) {
      throw new FsException(Errno.EINVAL, "path '" + path + "' is not absolute");
    }
    if (path.equals("/")) {
      return Location.ROOT;
    }
    String[] segments = path.substring(1).split("/", -1);
    ModelTree model = models.get(segments[0]);
    List<String> inside = List.of(segments).subList(1, segments.length);
    return new Location(model, model.find(inside));
  }

  /** A resolved path: the root (both null) or a node of a model. */
  private record Location(ModelTree model, Node node) {
    static final Location ROOT = new Location(null, null);

    boolean isRoot() {
      return model == null;
    }
  }
}
