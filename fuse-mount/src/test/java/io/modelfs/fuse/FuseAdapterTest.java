package io.modelfs.fuse;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.modelfs.core.FileEntry;
import io.modelfs.core.Manifest;
import io.modelfs.core.ModelRef;
import java.nio.ByteBuffer;
import java.time.Clock;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import jnr.ffi.Struct;
import org.junit.jupiter.api.Test;
import ru.serce.jnrfuse.ErrorCodes;
import ru.serce.jnrfuse.struct.FileStat;
import ru.serce.jnrfuse.struct.FuseFileInfo;

/**
 * The adapter's translation, called the way libfuse calls it but without a mount: structs in
 * native memory, errors as {@code -errno}, nothing thrown. Loads libfuse.so.2.
 */
class FuseAdapterTest {
  private static final Runtime RUNTIME = Runtime.getSystemRuntime();
  private static final int MIB = 1 << 20;

  private final InMemoryModel model = InMemoryModel.builder("adapter", MIB)
      .file("big.bin", 3 * MIB + 5, 0640)
      .build();
  private final String file = "/" + model.ref() + "/big.bin";
  private final FuseAdapter adapter =
      new FuseAdapter(new ModelFileSystem(new InMemoryCatalog().add(model), MountConfig.defaults(), Clock.systemUTC(), Runnable::run));

  @Test
  void getattrFillsTheKernelStat() {
    FileStat stat = FileStat.of(Memory.allocateDirect(RUNTIME, Struct.size(new FileStat(RUNTIME))));
    assertEquals(0, adapter.getattr(file, stat));
    assertEquals(FileStat.S_IFREG | 0640, stat.st_mode.intValue());
    assertEquals(3 * MIB + 5, stat.st_size.longValue());
    assertEquals(Inodes.of(model.ref(), "big.bin"), stat.st_ino.longValue());
  }

  @Test
  void readsIntoNonNativeMemoryArriveWholeToo() {
    FuseFileInfo fi = fileInfo();
    assertEquals(0, adapter.open(file, fi));
    Pointer buf = Memory.allocate(RUNTIME, 2 * MIB);
    assertEquals(2 * MIB, adapter.read(file, buf, 2 * MIB, MIB + 5, fi));
    byte[] got = new byte[2 * MIB];
    buf.get(0, got, 0, got.length);
    assertArrayEquals(java.util.Arrays.copyOfRange(model.bytes("big.bin"), MIB + 5, 3 * MIB + 5), got);
    assertEquals(0, adapter.release(file, fi));
  }

  @Test
  void readsSpanningChunksArriveWholeInTheReplyMemory() {
    FuseFileInfo fi = fileInfo();
    assertEquals(0, adapter.open(file, fi));
    int size = 3 * MIB + 100;
    Pointer buf = Memory.allocateDirect(RUNTIME, size);
    assertEquals(3 * MIB + 5, adapter.read(file, buf, size, 0, fi));
    byte[] got = new byte[3 * MIB + 5];
    buf.get(0, got, 0, got.length);
    assertArrayEquals(model.bytes("big.bin"), got);
    assertEquals(0, adapter.release(file, fi));
  }

  @Test
  void xattrCallsFollowTheSizeProtocol() {
    String name = ModelFileSystem.XATTR_DIGEST;
    int length = "sha256:".length() + 64;
    Pointer buf = Memory.allocateDirect(RUNTIME, 256);
    assertEquals(length, adapter.getxattr(file, name, buf, 0), "size 0 asks for the length");
    assertEquals(-ErrorCodes.ERANGE(), adapter.getxattr(file, name, buf, length - 1));
    assertEquals(length, adapter.getxattr(file, name, buf, 256));
    assertEquals("sha256:", buf.getString(0, 7, java.nio.charset.StandardCharsets.US_ASCII));
    assertEquals(-ErrorCodes.ENODATA(), adapter.getxattr(file, "user.other", buf, 256));
    int names = name.length() + 1;
    assertEquals(names, adapter.listxattr(file, buf, 0));
    assertEquals(-ErrorCodes.ERANGE(), adapter.listxattr(file, buf, names - 1));
    assertEquals(names, adapter.listxattr(file, buf, 256));
    assertEquals(0, buf.getByte(names - 1));
    assertEquals(-ErrorCodes.EROFS(), adapter.setxattr(file, name, buf, 1, 0));
    assertEquals(0, adapter.flush(file, fileInfo()));
  }

  @Test
  void errorsBecomeNegativeErrno() {
    FuseFileInfo fi = fileInfo();
    FileStat stat = FileStat.of(Memory.allocateDirect(RUNTIME, Struct.size(new FileStat(RUNTIME))));
    assertEquals(-ErrorCodes.ENOENT(), adapter.getattr("/nothing", stat));
    fi.flags.set(02); // O_RDWR
    assertEquals(-ErrorCodes.EROFS(), adapter.open(file, fi));
    assertEquals(-ErrorCodes.EROFS(), adapter.mkdir("/" + model.ref() + "/d", 0755));
    assertEquals(-ErrorCodes.EROFS(), adapter.unlink(file));
    assertEquals(-ErrorCodes.EROFS(), adapter.create("/" + model.ref() + "/new", 0644, fi));
  }

  @Test
  void unexpectedExceptionsBecomeEio() {
    FuseFileInfo fi = fileInfo();
    ModelContent throwing = new ModelContent() {
      @Override
      public ModelRef ref() {
        return model.ref();
      }

      @Override
      public Manifest manifest() {
        return model.manifest();
      }

      @Override
      public int read(FileEntry f, int chunk, int offset, ByteBuffer dst) {
        throw new IllegalStateException("bug in the chunk store");
      }

      @Override
      public void prefetch(FileEntry f, int chunk) {}
    };
    FuseAdapter failing = new FuseAdapter(
        new ModelFileSystem(new InMemoryCatalog().add(throwing), MountConfig.defaults(), Clock.systemUTC(), Runnable::run));
    assertEquals(0, failing.open(file, fi));
    assertEquals(-ErrorCodes.EIO(), failing.read(file, Memory.allocateDirect(RUNTIME, 4096), 4096, 0, fi));
  }

  private static FuseFileInfo fileInfo() {
    return FuseFileInfo.of(Memory.allocateDirect(RUNTIME, 128, true));
  }
}
