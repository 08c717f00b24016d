package io.modelfs.origin;

import io.modelfs.core.ModelPaths;
import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileVisitOption;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * {@code file:} origin: a local or NFS directory. The version of a file is its size and
 * modification time, so a file rewritten in place after import is detected as changed.
 * Symbolic links are not followed when listing.
 */
final class FileOrigin implements Origin {
  private static final int COPY_BUFFER = 1 << 20;
  private final Path base;
  private final URI uri;

  FileOrigin(Path base) {
    this.base = base.toAbsolutePath().normalize();
    this.uri = this.base.toUri();
  }

  @Override
  public URI uri() {
    return uri;
  }

  @Override
  public List<ObjectInfo> list() throws IOException {
    if (!Files.isDirectory(base)) {
      throw new OriginException.NotFound(uri);
    }
    List<ObjectInfo> out = new ArrayList<>();
    try (Stream<Path> walk = Files.walk(base, new FileVisitOption[0])) {
      for (Path p : (Iterable<Path>) walk::iterator) {
        String rel = base.relativize(p).toString();
        if (rel.equals(".modelfs") || rel.startsWith(".modelfs/")
            || !Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
          continue;
        }
        out.add(stat(rel));
      }
    } catch (java.io.UncheckedIOException e) {
      throw translate(base, e.getCause());
    }
    out.sort((a, b) -> a.path().compareTo(b.path()));
    return out;
  }

  @Override
  public ObjectInfo stat(String path) throws IOException {
    Path p = resolve(path);
    try {
      PosixFileAttributes a = Files.readAttributes(p, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
      if (!a.isRegularFile()) {
        throw new OriginException.NotFound(p.toUri());
      }
      return new ObjectInfo(path, a.size(), modeOf(a.permissions()), a.size() + "-" + a.lastModifiedTime().toMillis());
    } catch (IOException e) {
      throw translate(p, e);
    }
  }

  @Override
  public void read(String path, String expectedVersion, long offset, long length, WritableByteChannel sink)
      throws IOException {
    Path p = resolve(path);
    if (expectedVersion != null) {
      String actual = stat(path).version();
      if (!actual.equals(expectedVersion)) {
        throw new OriginException.Changed(p.toUri(), expectedVersion, actual);
      }
    }
    try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
      if (ch.size() < offset + length) {
        throw new OriginException.Changed(p.toUri(), "with at least " + (offset + length) + " bytes", ch.size() + " bytes");
      }
      ByteBuffer buf = ByteBuffer.allocate((int) Math.min(COPY_BUFFER, Math.max(length, 1)));
      long pos = offset;
      long end = offset + length;
      while (pos < end) {
        buf.clear().limit((int) Math.min(buf.capacity(), end - pos));
        int n = ch.read(buf, pos);
        if (n < 0) {
          throw new OriginException.Changed(p.toUri(), "of " + end + " bytes", "ended at " + pos);
        }
        pos += n;
        buf.flip();
        while (buf.hasRemaining()) {
          sink.write(buf);
        }
      }
    } catch (OriginException e) {
      throw e;
    } catch (IOException e) {
      throw translate(p, e);
    }
  }

  @Override
  public byte[] readAll(String path, int maxBytes) throws IOException {
    Path p = resolve(path);
    try {
      long size = Files.size(p);
      if (size > maxBytes) {
        throw new OriginException.Permanent(p.toUri(), "object of " + size + " bytes exceeds the limit of " + maxBytes, null);
      }
      return Files.readAllBytes(p);
    } catch (OriginException e) {
      throw e;
    } catch (IOException e) {
      throw translate(p, e);
    }
  }

  @Override
  public void put(String path, byte[] bytes) throws IOException {
    Path p = resolve(path);
    try {
      Files.createDirectories(p.getParent());
      Path tmp = Files.createTempFile(p.getParent(), ".put-", ".tmp");
      try {
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
          ByteBuffer b = ByteBuffer.wrap(bytes);
          while (b.hasRemaining()) {
            ch.write(b);
          }
          ch.force(true);
        }
        try {
          Files.move(tmp, p, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
          Files.move(tmp, p, StandardCopyOption.REPLACE_EXISTING);
        }
      } finally {
        Files.deleteIfExists(tmp);
      }
    } catch (IOException e) {
      throw translate(p, e);
    }
  }

  private Path resolve(String path) {
    ModelPaths.validate(path);
    Path p = base.resolve(path).normalize();
    if (!p.startsWith(base)) {
      throw new IllegalArgumentException("path '" + path + "' escapes origin " + uri);
    }
    return p;
  }

  private static OriginException translate(Path p, IOException e) {
    if (e instanceof OriginException oe) {
      return oe;
    }
    if (e instanceof NoSuchFileException) {
      return new OriginException.NotFound(p.toUri());
    }
    if (e instanceof AccessDeniedException) {
      return new OriginException.AccessDenied(p.toUri(), e);
    }
    return new OriginException.Transient(p.toUri(), e.toString(), e);
  }

  static int modeOf(Set<PosixFilePermission> perms) {
    int mode = 0;
    for (PosixFilePermission perm : perms) {
      mode |= 1 << (8 - perm.ordinal());
    }
    return mode;
  }
}
