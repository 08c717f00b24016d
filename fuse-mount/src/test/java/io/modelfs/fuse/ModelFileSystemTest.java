package io.modelfs.fuse;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

class ModelFileSystemTest {
  private static final int CHUNK = 4096;
  private static final Clock CLOCK = Clock.fixed(Instant.parse("2025-01-02T03:04:05Z"), ZoneOffset.UTC);

  private final InMemoryModel model = InMemoryModel.builder("tiny", CHUNK)
      .file("config.json", 100, 0644)
      .file("empty", 0, 0644)
      .file("weights/a.bin", 10 * CHUNK, 0444)
      .file("weights/deep/b.bin", CHUNK + 1, 0644)
      .file("run.sh", 20, 0755)
      .build();
  private final InMemoryCatalog catalog = new InMemoryCatalog().add(model);
  private final String dir = "/" + model.ref();
  private ModelFileSystem fs = new ModelFileSystem(catalog, MountConfig.defaults(), CLOCK, Runnable::run);

  @Test
  void rootListsOnlyModelsThatWereLookedUp() throws Exception {
    assertEquals(List.of(".", ".."), names(fs.readdir("/")));
    fs.getattr(dir);
    assertEquals(List.of(".", "..", model.ref().toString()), names(fs.readdir("/")));
  }

  @Test
  void namesThatAreNotCanonicalRefsAreEnoentWithoutAskingTheCatalog() {
    String upper = model.ref().name() + "@sha256:" + model.ref().digest().hex().toUpperCase();
    for (String name : List.of("/tiny", "/tiny:latest", "/tiny@sha256:abc", "/" + upper, "/.Trash")) {
      assertErrno(Errno.ENOENT, () -> fs.getattr(name));
    }
    assertEquals(0, catalog.opens.get());
  }

  @Test
  void unknownRefIsEnoentAndAskedAgainLater() throws Exception {
    InMemoryModel later = InMemoryModel.builder("later", CHUNK).file("f", 1, 0644).build();
    assertErrno(Errno.ENOENT, () -> fs.getattr("/" + later.ref()));
    catalog.add(later);
    assertTrue(fs.getattr("/" + later.ref()).isDirectory());
    assertEquals(2, catalog.opens.get());
  }

  @Test
  void catalogFailureIsEioAndDoesNotStick() throws Exception {
    catalog.failure = new IOException("bucket unreachable");
    assertErrno(Errno.EIO, () -> fs.getattr(dir));
    catalog.failure = null;
    assertTrue(fs.getattr(dir + "/config.json").size() > 0);
  }

  @Test
  void catalogIsAskedOncePerRefEvenUnderConcurrentLookups() throws Exception {
    ModelCatalog slow = ref -> {
      catalog.opens.incrementAndGet();
      sleep(50);
      return java.util.Optional.of(model);
    };
    fs = new ModelFileSystem(slow, MountConfig.defaults(), CLOCK, Runnable::run);
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<Attributes>> results = pool.invokeAll(
          java.util.Collections.nCopies(8, () -> fs.getattr(dir + "/weights/a.bin")));
      for (Future<Attributes> r : results) {
        assertEquals(10 * CHUNK, r.get().size());
      }
    } finally {
      pool.shutdownNow();
    }
    fs.readdir(dir);
    assertEquals(1, catalog.opens.get());
  }

  @Test
  void directoriesAreImpliedByFilePaths() throws Exception {
    assertEquals(List.of(".", "..", "config.json", "empty", "run.sh", "weights"), names(fs.readdir(dir)));
    assertEquals(List.of(".", "..", "a.bin", "deep"), names(fs.readdir(dir + "/weights")));
    assertEquals(List.of(".", "..", "b.bin"), names(fs.readdir(dir + "/weights/deep")));
    assertErrno(Errno.ENOTDIR, () -> fs.readdir(dir + "/config.json"));
    assertErrno(Errno.ENOENT, () -> fs.readdir(dir + "/nope"));
  }

  @Test
  void getattrReportsTypeSizeModeLinksAndTime() throws Exception {
    Attributes file = fs.getattr(dir + "/weights/deep/b.bin");
    assertEquals(Attributes.S_IFREG | 0644, file.mode());
    assertEquals(CHUNK + 1, file.size());
    assertEquals(1, file.links());
    assertEquals(CLOCK.instant(), file.time());
    assertEquals(Attributes.S_IFREG | 0755, fs.getattr(dir + "/run.sh").mode());
    assertEquals(0, fs.getattr(dir + "/empty").size());
    Attributes weights = fs.getattr(dir + "/weights");
    assertEquals(Attributes.S_IFDIR | 0555, weights.mode());
    assertEquals(3, weights.links());
    Attributes root = fs.getattr("/");
    assertEquals(Inodes.ROOT, root.inode());
    assertEquals(Attributes.S_IFDIR | 0555, root.mode());
  }

  @Test
  void inodesAreDistinctAndStableAcrossMounts() throws Exception {
    List<String> paths = List.of(dir, dir + "/config.json", dir + "/weights", dir + "/weights/a.bin", dir + "/run.sh");
    ModelFileSystem other = new ModelFileSystem(catalog, MountConfig.defaults(), Clock.systemUTC(), Runnable::run);
    long[] inodes = new long[paths.size()];
    for (int i = 0; i < inodes.length; i++) {
      inodes[i] = fs.getattr(paths.get(i)).inode();
      assertEquals(inodes[i], other.getattr(paths.get(i)).inode(), paths.get(i));
      assertNotEquals(Inodes.ROOT, inodes[i]);
    }
    assertEquals(inodes.length, Arrays.stream(inodes).distinct().count());
  }

  @Test
  void readsSpanningChunkBoundariesReturnTheFileBytes() throws Exception {
    byte[] expected = model.bytes("weights/a.bin");
    long handle = fs.open(dir + "/weights/a.bin", ModelFileSystem.O_RDONLY);
    int[][] ranges = {{0, 10 * CHUNK}, {CHUNK - 1, 2}, {100, 3 * CHUNK}, {5 * CHUNK, CHUNK}, {10 * CHUNK - 7, 7}};
    for (int[] r : ranges) {
      ByteBuffer dst = ByteBuffer.allocate(r[1]);
      assertEquals(r[1], fs.read(handle, r[0], dst));
      assertArrayEquals(Arrays.copyOfRange(expected, r[0], r[0] + r[1]), dst.array(), "range " + Arrays.toString(r));
    }
  }

  @Test
  void readsStopAtTheEndOfTheFile() throws Exception {
    byte[] expected = model.bytes("weights/deep/b.bin");
    long handle = fs.open(dir + "/weights/deep/b.bin", ModelFileSystem.O_RDONLY);
    ByteBuffer dst = ByteBuffer.allocate(3 * CHUNK);
    assertEquals(CHUNK + 1, fs.read(handle, 0, dst));
    assertArrayEquals(expected, Arrays.copyOf(dst.array(), CHUNK + 1));
    assertEquals(0, fs.read(handle, CHUNK + 1, ByteBuffer.allocate(10)));
    assertEquals(0, fs.read(handle, 1 << 20, ByteBuffer.allocate(10)));
    long empty = fs.open(dir + "/empty", ModelFileSystem.O_RDONLY);
    assertEquals(0, fs.read(empty, 0, ByteBuffer.allocate(10)));
  }

  @Test
  void sequentialReaderPrefetchesTheNextChunksOnce() throws Exception {
    long handle = fs.open(dir + "/weights/a.bin", ModelFileSystem.O_RDONLY);
    for (long offset = 0; offset < 10 * CHUNK; offset += CHUNK / 2) {
      fs.read(handle, offset, ByteBuffer.allocate(CHUNK / 2));
    }
    // Chunk 0 asks for 1-4, then each new chunk asks for the one 4 ahead, up to the last (9).
    assertEquals(List.of(1, 2, 3, 4, 5, 6, 7, 8, 9), prefetchedChunks());
  }

  @Test
  void readsArrivingOutOfOrderStillCountAsSequential() throws Exception {
    long handle = fs.open(dir + "/weights/a.bin", ModelFileSystem.O_RDONLY);
    // The kernel's async readahead: reads of one sequential reader, delivered out of order.
    for (int chunk : new int[] {0, 2, 1, 3, 5, 4}) {
      fs.read(handle, (long) chunk * CHUNK, ByteBuffer.allocate(CHUNK));
    }
    assertEquals(List.of(1, 2, 3, 4, 5, 6, 7, 8, 9), prefetchedChunks());
  }

  @Test
  void randomReaderGetsNoReadahead() throws Exception {
    int size = 2048 * CHUNK;
    InMemoryModel large = InMemoryModel.builder("large", CHUNK).file("big.bin", size, 0644).build();
    fs = new ModelFileSystem(new InMemoryCatalog().add(large), MountConfig.defaults(), CLOCK, Runnable::run);
    long handle = fs.open("/" + large.ref() + "/big.bin", ModelFileSystem.O_RDONLY);
    // Jumps of more than Readahead.REORDER_TOLERANCE each time, the first far from offset 0.
    for (long offset : new long[] {5L << 20, 1L << 20, (7L << 20) + 3, 3L << 20}) {
      fs.read(handle, offset, ByteBuffer.allocate(64));
    }
    assertEquals(List.of(), large.prefetches.stream().toList());
  }

  @Test
  void readaheadOfZeroChunksIsOff() throws Exception {
    fs = new ModelFileSystem(catalog, MountConfig.defaults().withReadaheadChunks(0), CLOCK, Runnable::run);
    long handle = fs.open(dir + "/weights/a.bin", ModelFileSystem.O_RDONLY);
    fs.read(handle, 0, ByteBuffer.allocate(CHUNK));
    fs.read(handle, CHUNK, ByteBuffer.allocate(CHUNK));
    assertEquals(List.of(), prefetchedChunks());
  }

  @Test
  void openForWritingIsErofsAndDirectoriesAreEisdir() {
    int oWronly = 01;
    int oRdwr = 02;
    assertErrno(Errno.EROFS, () -> fs.open(dir + "/config.json", oWronly));
    assertErrno(Errno.EROFS, () -> fs.open(dir + "/config.json", oRdwr));
    assertErrno(Errno.EISDIR, () -> fs.open(dir + "/weights", ModelFileSystem.O_RDONLY));
    assertErrno(Errno.ENOTDIR, () -> fs.open(dir + "/config.json/x", ModelFileSystem.O_RDONLY));
    assertErrno(Errno.EROFS, () -> fs.access(dir + "/config.json", ModelFileSystem.W_OK));
    assertErrno(Errno.EINVAL, () -> fs.readlink(dir + "/config.json"));
  }

  @Test
  void chunkReadFailureIsEioAndReleasedHandlesAreEbadf() throws Exception {
    long handle = fs.open(dir + "/config.json", ModelFileSystem.O_RDONLY);
    model.failReads = new IOException("no peer has it");
    FsException e = assertThrows(FsException.class, () -> fs.read(handle, 0, ByteBuffer.allocate(10)));
    assertEquals(Errno.EIO, e.errno());
    assertTrue(e.getMessage().contains("chunk 0") && e.getMessage().contains("config.json"), e.getMessage());
    fs.release(handle);
    assertEquals(0, fs.openHandles());
    assertErrno(Errno.EBADF, () -> fs.read(handle, 0, ByteBuffer.allocate(10)));
  }

  @Test
  void statfsCountsOpenedModels() throws Exception {
    assertEquals(0, fs.statfs().blocks());
    fs.getattr(dir);
    FsStats stats = fs.statfs();
    long bytes = model.manifest().totalBytes();
    assertEquals((bytes + 4095) / 4096, stats.blocks());
    assertEquals(5, stats.files());
    assertEquals(4096, stats.blockSize());
  }

  @Test
  void filesCarryTheirDigestAndModelDirectoriesTheirRef() throws Exception {
    byte[] digest = fs.getxattr(dir + "/weights/a.bin", ModelFileSystem.XATTR_DIGEST);
    java.security.MessageDigest sha = io.modelfs.core.Digest.newSha256();
    model.manifest().files().stream().filter(f -> f.path().equals("weights/a.bin")).findFirst().orElseThrow()
        .chunks().forEach(c -> sha.update(c.toBytes()));
    assertEquals("sha256:" + io.modelfs.core.Digest.finish(sha).hex(), new String(digest, StandardCharsets.US_ASCII));
    assertEquals(List.of(ModelFileSystem.XATTR_DIGEST), List.copyOf(fs.xattrs(dir + "/empty").keySet()));
    assertEquals(model.ref().toString(),
        new String(fs.getxattr(dir, ModelFileSystem.XATTR_REF), StandardCharsets.US_ASCII));
    assertEquals(List.of(), List.copyOf(fs.xattrs("/").keySet()));
    assertEquals(List.of(), List.copyOf(fs.xattrs(dir + "/weights").keySet()));
    assertErrno(Errno.ENODATA, () -> fs.getxattr(dir + "/config.json", "security.capability"));
    assertErrno(Errno.ENODATA, () -> fs.getxattr(dir, ModelFileSystem.XATTR_DIGEST));
    assertErrno(Errno.ENOENT, () -> fs.xattrs(dir + "/nope"));
  }

  @Test
  void openingASafetensorsFilePrefetchesItsTensorsInFileOrderOnce() throws Exception {
    int[] sizes = {3 * CHUNK, 10, CHUNK / 2, 5 * CHUNK, 0, CHUNK};
    byte[] bytes = SafetensorsFile.of(new Random(3), sizes);
    InMemoryModel st = InMemoryModel.builder("st", CHUNK)
        .file("model.safetensors", bytes, 0644)
        .file("other.bin", 4 * CHUNK, 0644)
        .build();
    List<Runnable> background = new ArrayList<>();
    fs = new ModelFileSystem(new InMemoryCatalog().add(st), MountConfig.defaults(), CLOCK, background::add);
    String path = "/" + st.ref() + "/model.safetensors";
    fs.open(path, ModelFileSystem.O_RDONLY);
    fs.open(path, ModelFileSystem.O_RDONLY);
    fs.open("/" + st.ref() + "/other.bin", ModelFileSystem.O_RDONLY);
    assertEquals(1, background.size(), "one header read, for the one safetensors file, on the background executor");
    assertEquals(List.of(), List.copyOf(st.prefetches), "nothing happens on the opening thread");
    background.get(0).run();
    long headerEnd = bytes.length - Arrays.stream(sizes).sum();
    List<String> expected = new ArrayList<>();
    for (long c = headerEnd / CHUNK; c <= (bytes.length - 1) / CHUNK; c++) {
      expected.add("model.safetensors#" + c);
    }
    assertEquals(expected, List.copyOf(st.prefetches));
  }

  @Test
  void aBrokenSafetensorsHeaderOnlyCostsThePrefetch() throws Exception {
    byte[] bytes = SafetensorsFile.of(new Random(4), CHUNK, CHUNK);
    bytes[20] = '!';
    InMemoryModel st = InMemoryModel.builder("broken", CHUNK).file("m.safetensors", bytes, 0644).build();
    fs = new ModelFileSystem(new InMemoryCatalog().add(st), MountConfig.defaults(), CLOCK, Runnable::run);
    long handle = fs.open("/" + st.ref() + "/m.safetensors", ModelFileSystem.O_RDONLY);
    assertEquals(List.of(), List.copyOf(st.prefetches));
    assertReadsBack(handle, bytes);
  }

  @Test
  void formatPrefetchCanBeTurnedOff() throws Exception {
    InMemoryModel st = InMemoryModel.builder("off", CHUNK)
        .file("m.safetensors", SafetensorsFile.of(new Random(5), 4 * CHUNK), 0644).build();
    List<Runnable> background = new ArrayList<>();
    fs = new ModelFileSystem(new InMemoryCatalog().add(st), MountConfig.defaults().withFormatPrefetch(false), CLOCK,
        background::add);
    fs.open("/" + st.ref() + "/m.safetensors", ModelFileSystem.O_RDONLY);
    assertEquals(List.of(), background);
  }

  @Test
  void openingAGgufFilePrefetchesItsTensorsInFileOrderAfterItsHeader() throws Exception {
    List<String> tokens = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      tokens.add("tok" + i);
    }
    GgufFile gguf = new GgufFile().string("general.architecture", "llama").strings("tokenizer.ggml.tokens", tokens)
        .tensor("token_embd.weight", 1, 64, 100) // F16, 12800 bytes
        .tensor("blk.0.attn_q.weight", 8, 64, 64) // Q8_0, 4352 bytes
        .tensor("output_norm.weight", 0, 64); // F32, 256 bytes
    byte[] bytes = gguf.bytes(new Random(6));
    long dataStart = GgufHeader.parse(bytes).dataStart();
    assertTrue(dataStart > 3 * CHUNK, "a header over several chunks: " + dataStart);
    InMemoryModel m = InMemoryModel.builder("gguf", CHUNK).file("model-Q8_0.gguf", bytes, 0644).build();
    List<Runnable> background = new ArrayList<>();
    fs = new ModelFileSystem(new InMemoryCatalog().add(m), MountConfig.defaults(), CLOCK, background::add);
    long handle = fs.open("/" + m.ref() + "/model-Q8_0.gguf", ModelFileSystem.O_RDONLY);
    assertEquals(1, background.size());
    background.get(0).run();
    List<String> expected = new ArrayList<>();
    for (long c = dataStart / CHUNK; c <= (bytes.length - 1) / CHUNK; c++) {
      expected.add("model-Q8_0.gguf#" + c);
    }
    assertEquals(expected, List.copyOf(m.prefetches));
    assertReadsBack(handle, bytes);
  }

  @Test
  void aBrokenGgufHeaderOnlyCostsThePrefetch() throws Exception {
    for (byte[] bytes : List.of(
        new GgufFile().tensor("t", 0, 4 * CHUNK).bytes(new Random(7)),
        "GGML-not-really-a-gguf-file".getBytes(StandardCharsets.US_ASCII))) {
      byte[] broken = bytes.clone();
      if (broken[0] == 'G' && broken[3] == 'F') {
        broken[8] = (byte) 0xFF; // tensor count 255: runs past the end
      }
      InMemoryModel m = InMemoryModel.builder("broken-gguf", CHUNK).file("m.gguf", broken, 0644).build();
      fs = new ModelFileSystem(new InMemoryCatalog().add(m), MountConfig.defaults(), CLOCK, Runnable::run);
      long handle = fs.open("/" + m.ref() + "/m.gguf", ModelFileSystem.O_RDONLY);
      assertEquals(List.of(), List.copyOf(m.prefetches));
      assertReadsBack(handle, broken);
    }
  }

  /** Reads the open file {@code handle} whole in one call and checks it is {@code expected}. */
  private void assertReadsBack(long handle, byte[] expected) throws Exception {
    ByteBuffer all = ByteBuffer.allocate(expected.length);
    assertEquals(expected.length, fs.read(handle, 0, all));
    assertArrayEquals(expected, all.array());
  }

  private List<Integer> prefetchedChunks() {
    return model.prefetches.stream().map(p -> Integer.parseInt(p.substring(p.indexOf('#') + 1))).toList();
  }

  private static List<String> names(List<DirEntry> entries) {
    return entries.stream().map(DirEntry::name).toList();
  }

  private static void assertErrno(Errno expected, Executable call) {
    FsException e = assertThrows(FsException.class, call);
    assertEquals(expected, e.errno(), e.getMessage());
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
