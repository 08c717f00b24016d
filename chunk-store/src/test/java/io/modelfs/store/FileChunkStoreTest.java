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

import io.modelfs.core.ChunkRef;
import io.modelfs.store.ChunkStore.Priority;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
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

  @Override
  ChunkStore openStore(int fetchThreads) throws IOException {
    return FileChunkStore.open(StoreConfig.at(root).withFetchThreads(fetchThreads));
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
    assertEquals(new ChunkStore.StoreStats(1, CHUNK, 0, 0, 0), store.stats());
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
    store = FileChunkStore.open(StoreConfig.at(root).withOpenFiles(2).withFsync(false));
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
    store = FileChunkStore.open(StoreConfig.at(root).withOpenFiles(1).withFsync(false));
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

  private List<Path> filesUnder(String dir) throws IOException {
    try (Stream<Path> walk = Files.walk(root.resolve(dir))) {
      return walk.filter(Files::isRegularFile).toList();
    }
  }
}
