package io.modelfs.fuse;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import jnr.ffi.Struct;
import jnr.ffi.types.dev_t;
import jnr.ffi.types.gid_t;
import jnr.ffi.types.mode_t;
import jnr.ffi.types.off_t;
import jnr.ffi.types.size_t;
import jnr.ffi.types.uid_t;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import ru.serce.jnrfuse.ErrorCodes;
import ru.serce.jnrfuse.FuseFillDir;
import ru.serce.jnrfuse.FuseStubFS;
import ru.serce.jnrfuse.struct.FileStat;
import ru.serce.jnrfuse.struct.FuseFileInfo;
import ru.serce.jnrfuse.struct.Statvfs;
import ru.serce.jnrfuse.struct.Timespec;

/**
 * The jnr-fuse binding of {@link ModelFileSystem}: each callback translates its arguments,
 * delegates, and fills the kernel's structs. {@link #call} is the one place where errors
 * become {@code -errno}; nothing thrown escapes into native code. Every callback that would
 * change the filesystem answers EROFS without looking at its arguments.
 */
final class FuseAdapter extends FuseStubFS {
  private static final Logger log = LoggerFactory.getLogger(FuseAdapter.class);

  private final ModelFileSystem fs;
  private final FuseListener listener;

  FuseAdapter(ModelFileSystem fs) {
    this(fs, FuseListener.NONE);
  }

  FuseAdapter(ModelFileSystem fs, FuseListener listener) {
    this.fs = fs;
    this.listener = listener;
  }

  /** The callbacks as libfuse's {@code struct fuse_operations}, for {@link SessionLoop}. */
  ru.serce.jnrfuse.struct.FuseOperations operations() {
    return fuseOperations;
  }

  /** Tells jnr-fuse the mount is gone, so its shutdown hook does not unmount it again. */
  void markUnmounted() {
    mounted.set(false);
  }

  @Override
  public int getattr(String path, FileStat stat) {
    return call("getattr", path, () -> {
      fill(stat, fs.getattr(path));
      return 0;
    });
  }

  @Override
  public int readdir(String path, Pointer buf, FuseFillDir filler, @off_t long offset, FuseFileInfo fi) {
    return call("readdir", path, () -> {
      List<DirEntry> entries = fs.readdir(path);
      FileStat stat = new FileStat(Runtime.getSystemRuntime());
      for (DirEntry entry : entries) {
        fill(stat, entry.attributes());
        // Offset 0: libfuse collects the whole listing. Names go NUL-terminated and UTF-8.
        byte[] name = (entry.name() + "\0").getBytes(StandardCharsets.UTF_8);
        if (filler.apply(buf, ByteBuffer.wrap(name), Struct.getMemory(stat), 0) != 0) {
          throw new FsException(Errno.EIO, "readdir of '" + path + "': libfuse's buffer is full at '" + entry.name() + "'");
        }
      }
      return 0;
    });
  }

  @Override
  public int open(String path, FuseFileInfo fi) {
    return call("open", path, () -> {
      fi.fh.set(fs.open(path, fi.flags.get()));
      return 0;
    });
  }

  /**
   * Not through {@link #call}, though with its error mapping and listener: read is nearly every
   * request, and its own method keeps one compiled form. Through the shared funnel, C2 compiled
   * {@code call} with the read body inlined while the start-up warm-up sent only reads, threw that
   * away at the real mount's first lookups and compiled it again (0.7 s of a C2 thread) during the
   * first cold read.
   */
  @Override
  public int read(String path, Pointer buf, @size_t long size, @off_t long offset, FuseFileInfo fi) {
    long start = System.nanoTime();
    String error = null;
    try {
      // libfuse caps a request at max_read (128 KiB); an int is plenty, but never trust a size.
      int want = (int) Math.min(Math.max(size, 0), Integer.MAX_VALUE);
      ByteBuffer reply = ReplyMemory.view(buf, want);
      if (reply != null) {
        return fs.read(fi.fh.get(), offset, reply); // straight from the chunk store into the reply
      }
      ByteBuffer heap = ByteBuffer.allocate(want); // a pointer without an address: not libfuse's
      int n = fs.read(fi.fh.get(), offset, heap);
      buf.put(0, heap.array(), 0, n);
      return n;
    } catch (Throwable e) {
      error = errnoOf(e).name();
      return failed("read", path, e);
    } finally {
      completed("read", error, start);
    }
  }

  @Override
  public int release(String path, FuseFileInfo fi) {
    return call("release", path, () -> {
      fs.release(fi.fh.get());
      return 0;
    });
  }

  @Override
  public int statfs(String path, Statvfs stbuf) {
    return call("statfs", path, () -> {
      FsStats stats = fs.statfs();
      stbuf.f_bsize.set(stats.blockSize());
      stbuf.f_frsize.set(stats.blockSize());
      stbuf.f_blocks.set(stats.blocks());
      stbuf.f_bfree.set(0);
      stbuf.f_bavail.set(0);
      stbuf.f_files.set(stats.files());
      stbuf.f_ffree.set(0);
      stbuf.f_favail.set(0);
      stbuf.f_namemax.set(stats.maxNameLength());
      return 0;
    });
  }

  @Override
  public int access(String path, int mask) {
    return call("access", path, () -> {
      fs.access(path, mask);
      return 0;
    });
  }

  @Override
  public int readlink(String path, Pointer buf, @size_t long size) {
    return call("readlink", path, () -> {
      byte[] target = fs.readlink(path).getBytes(StandardCharsets.UTF_8);
      int n = (int) Math.min(target.length, size - 1);
      buf.put(0, target, 0, n);
      buf.putByte(n, (byte) 0);
      return 0;
    });
  }

  /** Nothing is buffered for writing, so there is nothing to flush. */
  @Override
  public int flush(String path, FuseFileInfo fi) {
    return 0;
  }

  @Override
  public int getxattr(String path, String name, Pointer value, @size_t long size) {
    return call("getxattr", path, () -> copyOut(fs.getxattr(path, name), value, size, path + " " + name));
  }

  @Override
  public int listxattr(String path, Pointer list, @size_t long size) {
    return call("listxattr", path, () -> {
      // The names, each NUL-terminated, one after the other.
      StringBuilder names = new StringBuilder();
      for (String name : fs.xattrs(path).keySet()) {
        names.append(name).append('\0');
      }
      return copyOut(names.toString().getBytes(StandardCharsets.UTF_8), list, size, path);
    });
  }

  /**
   * The xattr calls' buffer protocol: size 0 asks for the length; a buffer too small is
   * ERANGE; otherwise the bytes are copied and their count returned.
   */
  private static int copyOut(byte[] bytes, Pointer buf, long size, String what) throws FsException {
    if (size == 0) {
      return bytes.length;
    }
    if (size < bytes.length) {
      throw new FsException(Errno.ERANGE, "extended attribute data of " + what + " is " + bytes.length
          + " bytes; the buffer holds " + size);
    }
    buf.put(0, bytes, 0, bytes.length);
    return bytes.length;
  }

  // Everything below would change the filesystem: models are immutable.

  @Override
  public int mknod(String path, @mode_t long mode, @dev_t long rdev) {
    return -ErrorCodes.EROFS();
  }

  @Override
  public int create(String path, @mode_t long mode, FuseFileInfo fi) {
    return -ErrorCodes.EROFS();
  }

  @Override
  public int write(String path, Pointer buf, @size_t long size, @off_t long offset, FuseFileInfo fi) {
    return -ErrorCodes.EROFS();
  }

  @Override
  public int mkdir(String path, @mode_t long mode) {
    return -ErrorCodes.EROFS();
  }

  @Override
  public int unlink(String path) {
    return -ErrorCodes.EROFS();
  }

  @Override
  public int rmdir(String path) {
    return -ErrorCodes.EROFS();
  }

  @Override
  public int symlink(String oldpath, String newpath) {
    return -ErrorCodes.EROFS();
  }

  @Override
  public int rename(String oldpath, String newpath) {
    return -ErrorCodes.EROFS();
  }

  @Override
  public int link(String oldpath, String newpath) {
    return -ErrorCodes.EROFS();
  }

  @Override
  public int chmod(String path, @mode_t long mode) {
    return -ErrorCodes.EROFS();
  }

  @Override
  public int chown(String path, @uid_t long uid, @gid_t long gid) {
    return -ErrorCodes.EROFS();
  }

  @Override
  public int truncate(String path, @off_t long size) {
    return -ErrorCodes.EROFS();
  }

  @Override
  public int ftruncate(String path, @off_t long size, FuseFileInfo fi) {
    return -ErrorCodes.EROFS();
  }

  @Override
  public int utimens(String path, Timespec[] timespec) {
    return -ErrorCodes.EROFS();
  }

  @Override
  public int setxattr(String path, String name, Pointer value, @size_t long size, int flags) {
    return -ErrorCodes.EROFS();
  }

  @Override
  public int removexattr(String path, String name) {
    return -ErrorCodes.EROFS();
  }

  @Override
  public int fallocate(String path, int mode, @off_t long off, @off_t long length, FuseFileInfo fi) {
    return -ErrorCodes.EROFS();
  }

  /** A callback body; returns what the callback returns on success. */
  @FunctionalInterface
  private interface Body {
    int run() throws FsException;
  }

  /**
   * Runs {@code body}, turning every failure into {@code -errno} ({@link #failed}: the only error
   * mapping, which {@link #read} shares). Tells the listener the outcome.
   */
  private int call(String op, String path, Body body) {
    long start = System.nanoTime();
    String error = null;
    try {
      return body.run();
    } catch (Throwable e) {
      error = errnoOf(e).name();
      return failed(op, path, e);
    } finally {
      completed(op, error, start);
    }
  }

  /** The errno a failure answers: an {@link FsException}'s own, EIO for anything else. */
  private static Errno errnoOf(Throwable e) {
    return e instanceof FsException fs ? fs.errno() : Errno.EIO;
  }

  /** Logs a failed operation (EIO and the unexpected loudly) and returns its {@code -errno}. */
  private static int failed(String op, String path, Throwable e) {
    if (e instanceof FsException fsError) {
      if (fsError.errno() == Errno.EIO) {
        log.warn("{} of '{}' failed: {}", op, path, fsError.getMessage(), fsError.getCause());
      } else {
        log.debug("{} of '{}': {} ({})", op, path, fsError.errno(), fsError.getMessage());
      }
      return -errno(fsError.errno());
    }
    log.error("{} of '{}' failed unexpectedly; answering EIO", op, path, e);
    return -ErrorCodes.EIO();
  }

  private void completed(String op, String error, long start) {
    try {
      listener.completed(op, error, System.nanoTime() - start);
    } catch (RuntimeException e) {
      log.warn("FUSE listener failed on {}: {}", op, e.toString());
    }
  }

  private static int errno(Errno errno) {
    return switch (errno) {
      case ENOENT -> ErrorCodes.ENOENT();
      case ENOTDIR -> ErrorCodes.ENOTDIR();
      case EISDIR -> ErrorCodes.EISDIR();
      case EROFS -> ErrorCodes.EROFS();
      case EIO -> ErrorCodes.EIO();
      case EINVAL -> ErrorCodes.EINVAL();
      case EACCES -> ErrorCodes.EACCES();
      case EBADF -> ErrorCodes.EBADF();
      case ENODATA -> ErrorCodes.ENODATA();
      case ERANGE -> ErrorCodes.ERANGE();
    };
  }

  private static void fill(FileStat stat, Attributes a) {
    stat.st_ino.set(a.inode());
    stat.st_mode.set(a.mode());
    stat.st_nlink.set(a.links());
    stat.st_uid.set(0);
    stat.st_gid.set(0);
    stat.st_size.set(a.size());
    stat.st_blksize.set(FsStats.BLOCK_SIZE);
    stat.st_blocks.set((a.size() + 511) / 512);
    for (Timespec t : new Timespec[] {stat.st_atim, stat.st_mtim, stat.st_ctim}) {
      t.tv_sec.set(a.time().getEpochSecond());
      t.tv_nsec.set(a.time().getNano());
    }
  }
}
