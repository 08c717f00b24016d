package io.modelfs.store;

import static io.modelfs.store.TestChunks.await;
import static io.modelfs.store.TestChunks.failureOf;
import static io.modelfs.store.TestChunks.refOf;
import static io.modelfs.store.TestChunks.serving;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.modelfs.core.ChunkRef;
import io.modelfs.core.Digest;
import io.modelfs.store.ChunkStore.Priority;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The contract on real files, plus what the file layout promises. */
class FileChunkStoreTest extends ChunkStoreContract {
  @TempDir Path root;
  final StepClock clock = new StepClock();

  @Override
  ChunkStore openStore(int fetchThreads, long budgetBytes) throws IOException {
    return FileChunkStore.open(config().withFetchThreads(fetchThreads).withBudgetBytes(budgetBytes), clock);
  }

  @Override
  void clockTick() {
    clock.tick();
  }

  @Override
  void corruptStoredChunk(Digest digest) throws IOException {
    ((FileChunkStore) store).memory().forget(digest); // reads now go to the file, as once the chunk left memory
    Path file = root.resolve(StoreLayout.chunkLocation(digest));
    byte[] rotten = Files.readAllBytes(file);
    rotten[7] ^= 0x10;
    Files.write(file, rotten);
  }

  private StoreConfig config() {
    return StoreConfig.at(root).withMinFreeBytes(0).withFsync(false);
  }

  /** A store whose loads go through the page cache, as every chunk's do once it has left memory. */
  private ChunkStore openStoreWithoutMemory(int fetchThreads) throws IOException {
    return FileChunkStore.open(config().withFetchThreads(fetchThreads).withMemoryBytes(0), clock);
  }

  @Test
  void aLoadIntoMemoryWritesItsFilePastThePageCacheAndReadsComeFromMemory() throws Exception {
    store = openStore(2);
    assumeTrue(((FileChunkStore) store).memory() != null, "the filesystem under " + root + " refuses O_DIRECT");
    long total = 0;
    byte[] data = null;
    for (int size : new int[] {1, 4095, 4096, 4097, (3 << 20) + 5}) {
      data = chunks.bytes(size);
      ChunkRef chunk = refOf(data);
      await(store.ensure(chunk, Priority.FOREGROUND, "origin test", serving(data)));
      Path file = root.resolve(StoreLayout.chunkLocation(chunk.digest()));
      assertEquals(size, Files.size(file), "the block padding is cut off");
      assertEquals(0, residentBytes(file), "written with O_DIRECT: none of a " + size + " byte chunk's file is cached");

      ByteBuffer got = ByteBuffer.allocate(size);
      assertEquals(size, store.read(chunk.digest(), 0, got));
      assertArrayEquals(data, got.array(), "read back, " + size + " bytes");
      assertArrayEquals(data, Files.readAllBytes(file), "the file, " + size + " bytes");
      total += size;
    }
    assertEquals(total, store.stats().bytesOutOfMemory(), "every read came from memory");
    assertEquals(0, filesUnder("staging").size());

    store.close(); // reopened, memory is empty: the same reads come from the files
    store = openStore(2);
    ByteBuffer got = ByteBuffer.allocate(data.length);
    assertEquals(data.length, store.read(refOf(data).digest(), 0, got));
    assertArrayEquals(data, got.array());
    assertEquals(0, store.stats().bytesOutOfMemory());
  }

  @Test
  void aStoreOnTmpfsLoadsAndReadsWhetherOrNotItTakesODirect() throws Exception {
    Path shm = Path.of("/dev/shm");
    assumeTrue(Files.isDirectory(shm) && Files.getFileStore(shm).type().equals("tmpfs"), "needs /dev/shm on tmpfs");
    Path dir = Files.createTempDirectory(shm, "modelfs-store-test-");
    try (FileChunkStore tmpfs = FileChunkStore.open(StoreConfig.at(dir).withMinFreeBytes(0).withFsync(false), clock)) {
      // Linux 6.6+ tmpfs takes O_DIRECT (then the memory path runs there too); older kernels refuse it (then the probe
      // turns the memory off).
      byte[] data = chunks.bytes(5000);
      await(tmpfs.ensure(refOf(data), Priority.FOREGROUND, "origin test", serving(data)));
      ByteBuffer got = ByteBuffer.allocate(data.length);
      assertEquals(data.length, tmpfs.read(refOf(data).digest(), 0, got));
      assertArrayEquals(data, got.array());
      assertEquals(tmpfs.memory() == null ? 0 : data.length, tmpfs.stats().bytesOutOfMemory());
      assertArrayEquals(data, Files.readAllBytes(dir.resolve(StoreLayout.chunkLocation(refOf(data).digest()))));
    } finally {
      io.modelfs.core.Trees.deleteQuietly(dir, "test store on tmpfs");
    }
  }

  @Test
  void aChunkLargerThanTheMemoryGoesThroughThePageCache() throws Exception {
    store = FileChunkStore.open(config().withFetchThreads(2).withMemoryBytes(1 << 20), clock);
    byte[] big = chunks.bytes((1 << 20) + 1);
    byte[] small = chunks.bytes(1 << 20);
    await(store.ensure(refOf(big), Priority.FOREGROUND, "origin test", serving(big)));
    await(store.ensure(refOf(small), Priority.FOREGROUND, "origin test", serving(small)));

    ByteBuffer got = ByteBuffer.allocate(big.length);
    assertEquals(big.length, store.read(refOf(big).digest(), 0, got));
    assertArrayEquals(big, got.array());
    assertEquals(0, store.stats().bytesOutOfMemory(), "the large chunk was read from its file");
    got = ByteBuffer.allocate(small.length);
    assertEquals(small.length, store.read(refOf(small).digest(), 0, got));
    assertArrayEquals(small, got.array());
    assertEquals(small.length, store.stats().bytesOutOfMemory(), "the one that fits was read from memory");
  }

  /**
   * Many loads through a memory of two buffers while readers keep reading chunks already stored:
   * buffers are reused under the readers all the time, and every read returns its chunk's bytes.
   */
  @Test
  void readsStayExactWhileLoadsKeepReusingTheMemory() throws Exception {
    store = FileChunkStore.open(config().withFetchThreads(4).withMemoryBytes(2 << 20), clock);
    int count = 24;
    List<byte[]> data = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      data.add(chunks.bytes((300 << 10) + i));
    }
    ExecutorService readers = Executors.newFixedThreadPool(2);
    java.util.concurrent.atomic.AtomicInteger published = new java.util.concurrent.atomic.AtomicInteger();
    java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
    try {
      List<Future<Long>> reads = new ArrayList<>();
      for (int r = 0; r < 2; r++) {
        int seed = r;
        reads.add(readers.submit(() -> {
          java.util.Random random = new java.util.Random(seed);
          ByteBuffer got = ByteBuffer.allocateDirect((300 << 10) + count);
          long checked = 0;
          long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
          while (!stop.get() && System.nanoTime() < deadline) {
            int upTo = published.get();
            if (upTo == 0) {
              Thread.onSpinWait();
              continue;
            }
            byte[] want = data.get(random.nextInt(upTo));
            got.clear();
            int n = store.read(refOf(want).digest(), 0, got);
            byte[] bytes = new byte[n];
            got.flip().get(bytes);
            assertArrayEquals(want, bytes, "chunk of " + want.length + " bytes read back");
            checked++;
          }
          return checked;
        }));
      }
      for (int i = 0; i < count; i += 4) {
        List<java.util.concurrent.CompletableFuture<Void>> batch = new ArrayList<>();
        for (int j = i; j < i + 4; j++) {
          byte[] d = data.get(j);
          batch.add(store.ensure(refOf(d), Priority.FOREGROUND, "origin test", serving(d)));
        }
        for (java.util.concurrent.CompletableFuture<Void> f : batch) {
          await(f);
        }
        published.set(i + 4);
      }
      Thread.sleep(200); // reads of the last ones too
      stop.set(true);
      for (Future<Long> f : reads) {
        assertTrue(f.get(30, TimeUnit.SECONDS) > 0, "the readers read");
      }
    } finally {
      stop.set(true);
      readers.shutdownNow();
    }
    assertTrue(store.stats().bytesOutOfMemory() > 0, "some reads came from memory");
    assertTrue(store.stats().bytesOut() > store.stats().bytesOutOfMemory(), "and some from the files");
    assertTrue(((FileChunkStore) store).memory().allocatedBytes() <= 2 << 20, "within the budget");
  }

  @Test
  void aLoadThatFailsVerificationGivesItsMemoryBack() throws Exception {
    store = FileChunkStore.open(config().withFetchThreads(1).withMemoryBytes(1 << 20), clock);
    byte[] data = chunks.bytes(1000);
    byte[] wrong = data.clone();
    wrong[999] ^= 1;
    Throwable failure = failureOf(store.ensure(refOf(data), Priority.FOREGROUND, "origin test", serving(wrong)));
    assertTrue(failure instanceof ChunkVerificationException, String.valueOf(failure));
    assertFalse(store.contains(refOf(data).digest()));
    assertEquals(List.of(), filesUnder("staging"));

    await(store.ensure(refOf(data), Priority.FOREGROUND, "origin test", serving(data)));
    ByteBuffer got = ByteBuffer.allocate(data.length);
    assertEquals(data.length, store.read(refOf(data).digest(), 0, got));
    assertArrayEquals(data, got.array());
    assertEquals(data.length, store.stats().bytesOutOfMemory(), "the next load had the one buffer");
    assertEquals(1 << 20, ((FileChunkStore) store).memory().allocatedBytes());
  }

  @Test
  void publishedChunkIsOneFileNamedByItsDigestUnderItsFirstTwoHexDigits() throws Exception {
    store = openStore(2);
    byte[] data = chunks.bytes(CHUNK);
    ChunkRef chunk = refOf(data);

    await(store.ensure(chunk, Priority.FOREGROUND, "origin test", serving(data)));

    String hex = chunk.digest().hex();
    assertArrayEquals(data, Files.readAllBytes(root.resolve("chunks").resolve(hex.substring(0, 2)).resolve(hex)));
    assertEquals(List.of(), filesUnder("staging"));
  }

  @Test
  void willReadWarmsPublishedChunksOnceAndIgnoresOthers() throws Exception {
    store = openStoreWithoutMemory(2);
    byte[] data = chunks.bytes(CHUNK);
    ChunkRef chunk = refOf(data);
    await(store.ensure(chunk, Priority.FOREGROUND, "origin test", serving(data)));
    PageCacheWarmer warmer = ((FileChunkStore) store).pageCacheWarmer();

    store.willRead(refOf(chunks.bytes(CHUNK)).digest()); // not held: nothing to warm
    store.willRead(chunk.digest());
    long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
    while (warmer.filesWarmed() < 1 && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    assertEquals(1, warmer.filesWarmed());
    store.willRead(chunk.digest()); // warmed lately: not again
    Thread.sleep(100);
    assertEquals(1, warmer.filesWarmed());
    long reads = store.stats().bytesOut();
    ByteBuffer got = ByteBuffer.allocate(data.length);
    assertEquals(data.length, store.read(chunk.digest(), 0, got));
    assertArrayEquals(data, got.array());
    assertEquals(reads + data.length, store.stats().bytesOut(), "warming is not counted as reading");
  }

  @Test
  void warmingLeavesTheWholeChunkFileInThePageCache() throws Exception {
    store = openStoreWithoutMemory(2);
    byte[] data = chunks.bytes(CHUNK);
    ChunkRef chunk = refOf(data);
    await(store.ensure(chunk, Priority.FOREGROUND, "origin test", serving(data)));
    Path file = root.resolve(StoreLayout.chunkLocation(chunk.digest()));
    // Drop this one file's pages (written back first, then posix_fadvise DONTNEED through dd), so the warmer has
    // something to bring back.
    assertEquals(0, run("sync", file.toString()).exitValue());
    assertEquals(0, run("dd", "if=" + file, "iflag=nocache", "count=0", "status=none").exitValue());
    // On tmpfs pages cannot be dropped, and there is nothing to warm either.
    assumeTrue(residentBytes(file) < data.length, "the file's pages cannot be dropped (tmpfs?): " + residentBytes(file));

    store.willRead(chunk.digest());
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (((FileChunkStore) store).pageCacheWarmer().filesWarmed() < 1 && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }

    assertEquals(data.length, residentBytes(file), "every byte of the chunk file is in the page cache");
  }

  /** The bytes of {@code file} in the page cache, by util-linux's fincore (mincore(2)). */
  private static long residentBytes(Path file) throws Exception {
    Process p = run("fincore", "--bytes", "--noheadings", "--output", "RES", file.toString());
    String out = new String(p.getInputStream().readAllBytes()).strip();
    assertEquals(0, p.exitValue(), "fincore failed: " + out);
    return Long.parseLong(out);
  }

  private static Process run(String... command) throws Exception {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    assertTrue(p.waitFor(10, TimeUnit.SECONDS), String.join(" ", command) + " did not finish in 10 s");
    return p;
  }

  @Test
  void failedLoadsLeaveNothingInChunksOrStaging() throws Exception {
    store = openStore(2);
    byte[] data = chunks.bytes(CHUNK);
    ChunkRef chunk = refOf(data);
    byte[] corrupt = chunks.bytes(CHUNK);

    failureOf(store.ensure(chunk, Priority.FOREGROUND, "peer node-7", serving(corrupt)));
    failureOf(store.ensure(chunk, Priority.FOREGROUND, "peer node-8", (c, sink) -> {
      sink.write(ByteBuffer.wrap(data, 0, 1000));
      throw new IOException("peer node-8 hung up");
    }));

    assertEquals(List.of(), filesUnder("chunks"));
    assertEquals(List.of(), filesUnder("staging"));
  }

  @Test
  void reopenFindsPublishedChunksAndDeletesStagingLeftovers() throws Exception {
    store = openStore(2);
    byte[] data = chunks.bytes(CHUNK);
    ChunkRef chunk = refOf(data);
    await(store.ensure(chunk, Priority.FOREGROUND, "origin test", serving(data)));
    store.close();
    Files.write(root.resolve("staging").resolve(chunk.digest().hex() + ".123.part"), new byte[100]);
    Files.createDirectories(root.resolve("staging/odd/dir"));
    Files.write(root.resolve("staging/odd/dir/partial"), new byte[10]);

    store = openStore(2);

    assertEquals(List.of(), filesUnder("staging"));
    assertTrue(Files.isDirectory(root.resolve("staging")));
    assertTrue(store.contains(chunk.digest()));
    assertEquals(1, store.stats().chunks());
    assertEquals(CHUNK, store.stats().bytes());
    assertEquals(0, store.stats().loads());
    ByteBuffer all = ByteBuffer.allocate(CHUNK);
    assertEquals(CHUNK, store.read(chunk.digest(), 0, all));
    assertArrayEquals(data, all.array());
  }

  @Test
  void refusesToOpenARootThatIsAlreadyOpen() throws Exception {
    store = openStore(1);

    IOException e = assertThrows(IOException.class, () -> openStore(1));

    assertTrue(e.getMessage().contains(root.toString()) && e.getMessage().contains("already open"), e.getMessage());
  }

  @Test
  void readsStayCorrectWhenMoreChunksAreReadThanFilesAreKeptOpen() throws Exception {
    store = FileChunkStore.open(config().withOpenFiles(2));
    List<byte[]> contents = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      byte[] data = chunks.bytes(CHUNK);
      contents.add(data);
      await(store.ensure(refOf(data), Priority.PREFETCH, "origin test", serving(data)));
    }

    for (int round = 0; round < 2; round++) {
      for (byte[] data : contents) {
        ByteBuffer half = ByteBuffer.allocate(CHUNK / 2);
        assertEquals(CHUNK / 2, store.read(refOf(data).digest(), CHUNK / 2, half));
        assertArrayEquals(Arrays.copyOfRange(data, CHUNK / 2, CHUNK), half.array());
      }
    }
  }

  @Test
  void concurrentReadersGetTheRightBytesWhileOpenFilesAreEvictedUnderThem() throws Exception {
    store = FileChunkStore.open(config().withOpenFiles(1));
    List<byte[]> contents = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      byte[] data = chunks.bytes(CHUNK);
      contents.add(data);
      await(store.ensure(refOf(data), Priority.PREFETCH, "origin test", serving(data)));
    }
    ExecutorService readers = Executors.newFixedThreadPool(8);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        int first = t;
        done.add(readers.submit(() -> {
          for (int i = 0; i < 200; i++) {
            byte[] data = contents.get((first + i) % contents.size());
            ByteBuffer piece = ByteBuffer.allocate(4096);
            int offset = (i * 4096) % CHUNK;
            assertEquals(4096, store.read(refOf(data).digest(), offset, piece));
            assertArrayEquals(Arrays.copyOfRange(data, offset, offset + 4096), piece.array());
          }
          return null;
        }));
      }
      for (Future<?> f : done) {
        f.get(TestChunks.WAIT_SECONDS, TimeUnit.SECONDS);
      }
    } finally {
      readers.shutdownNow();
    }
  }

  @Test
  void closeRemovesTheStagingFileOfTheLoadItInterrupts() throws Exception {
    store = openStore(1);
    byte[] data = chunks.bytes(CHUNK);
    TestChunks.Gate gate = new TestChunks.Gate(data);
    store.ensure(refOf(data), Priority.FOREGROUND, "origin test", gate);
    gate.awaitStarted();
    assertEquals(1, filesUnder("staging").size());

    store.close();

    assertEquals(List.of(), filesUnder("staging"));
    assertFalse(store.contains(refOf(data).digest()));
  }

  @Test
  void configRejectsNonsenseWithTheValue() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> StoreConfig.at(root).withFetchThreads(0));
    assertTrue(e.getMessage().contains("fetch threads must be at least 1, got 0"), e.getMessage());
  }

  @Test
  void reopenDropsIndexEntriesWhoseFileIsGoneAndAdoptsVerifiedFilesWithoutEntry() throws Exception {
    store = openStore(2);
    byte[] kept = chunks.bytes(CHUNK);
    byte[] lost = chunks.bytes(CHUNK);
    await(store.ensure(refOf(kept), Priority.FOREGROUND, "origin test", serving(kept)));
    await(store.ensure(refOf(lost), Priority.FOREGROUND, "origin test", serving(lost)));
    store.close();
    Files.delete(chunkFile(refOf(lost)));
    byte[] orphan = chunks.bytes(CHUNK);
    Files.createDirectories(chunkFile(refOf(orphan)).getParent());
    Files.write(chunkFile(refOf(orphan)), orphan);
    byte[] liar = chunks.bytes(CHUNK);
    Files.createDirectories(chunkFile(refOf(liar)).getParent());
    Files.write(chunkFile(refOf(liar)), chunks.bytes(CHUNK));

    store = openStore(2);

    assertTrue(store.contains(refOf(kept).digest()));
    assertFalse(store.contains(refOf(lost).digest()));
    assertTrue(store.contains(refOf(orphan).digest()));
    assertFalse(store.contains(refOf(liar).digest()));
    assertFalse(Files.exists(chunkFile(refOf(liar))));
    assertEquals(2, store.stats().chunks());
    ByteBuffer all = ByteBuffer.allocate(CHUNK);
    store.read(refOf(orphan).digest(), 0, all);
    assertArrayEquals(orphan, all.array());
    store.close();
    store = openStore(2); // the adoption and the drop were written to the index
    assertEquals(2, store.stats().chunks());
  }

  @Test
  void verifyQuarantinesACorruptChunkWhichTheNextEnsureFetchesAgain() throws Exception {
    store = openStore(2);
    byte[] data = chunks.bytes(CHUNK);
    ChunkRef chunk = refOf(data);
    await(store.ensure(chunk, Priority.FOREGROUND, "origin test", serving(data)));
    List<Digest> evicted = new ArrayList<>();
    store.addEvictionListener((d, size) -> evicted.add(d));
    byte[] rotten = data.clone();
    rotten[7] ^= 0x10;
    Files.write(chunkFile(chunk), rotten);

    ChunkStore.VerifyReport report = store.verify(List.of());

    assertEquals(List.of(chunk.digest()), report.corrupt());
    assertEquals(List.of(chunk.digest()), evicted);
    assertFalse(store.contains(chunk.digest()));
    assertEquals(1, filesUnder("quarantine").size());
    assertEquals(1, store.stats().verificationFailures());
    assertThrows(ChunkNotFoundException.class, () -> store.read(chunk.digest(), 0, ByteBuffer.allocate(1)));
    await(store.ensure(chunk, Priority.FOREGROUND, "origin test", serving(data)));
    ByteBuffer all = ByteBuffer.allocate(CHUNK);
    store.read(chunk.digest(), 0, all);
    assertArrayEquals(data, all.array());
  }

  @Test
  void namedPinsSurviveAReopen() throws Exception {
    store = openStore(1, 2L * CHUNK);
    byte[] a = chunks.bytes(CHUNK);
    store.pin("model@a", List.of(refOf(a).digest()));
    await(store.ensure(refOf(a), Priority.PREFETCH, "origin test", serving(a)));
    store.close();

    store = openStore(1, 2L * CHUNK);
    for (int i = 0; i < 3; i++) {
      byte[] more = chunks.bytes(CHUNK);
      await(store.ensure(refOf(more), Priority.PREFETCH, "origin test", serving(more)));
    }

    assertTrue(store.contains(refOf(a).digest()));
    assertEquals(Set.of("model@a"), store.namedPins().keySet());
  }

  @Test
  void reopenWithASmallerBudgetEvictsLeastRecentlyUsedFirst() throws Exception {
    store = openStore(1);
    List<ChunkRef> refs = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      byte[] data = chunks.bytes(CHUNK);
      refs.add(refOf(data));
      await(store.ensure(refOf(data), Priority.PREFETCH, "origin test", serving(data)));
      clock.tick();
    }
    store.read(refs.get(0).digest(), 0, ByteBuffer.allocate(1));
    store.close(); // saves the access time of chunk 0

    store = openStore(1, 2L * CHUNK);

    assertEquals(List.of(refs.get(3).digest(), refs.get(0).digest()),
        store.list().stream().map(ChunkStore.StoredChunk::digest).toList());
  }

  private Path chunkFile(ChunkRef chunk) {
    String hex = chunk.digest().hex();
    return root.resolve("chunks").resolve(hex.substring(0, 2)).resolve(hex);
  }

  private List<Path> filesUnder(String dir) throws IOException {
    if (!Files.isDirectory(root.resolve(dir))) {
      return List.of();
    }
    try (Stream<Path> walk = Files.walk(root.resolve(dir))) {
      return walk.filter(Files::isRegularFile).toList();
    }
  }
}
