package io.modelfs.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.modelfs.core.ChunkRef;
import io.modelfs.core.Digest;
import io.modelfs.store.ChunkStore.Priority;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A chunk is served once its file is renamed into place, before the background indexer has
 * fsynced it and written its entry. Kills a process ({@link UnindexedWriter}) inside that window
 * and checks what the reopened store makes of the files it left: every one is re-hashed; a
 * good one is adopted and served, a corrupted one (same size, so only a hash can tell) is
 * deleted and not served — in particular the access-time flush did not write entries for them.
 */
class UnindexedCrashIT {
  private static final int CHUNKS = 4;
  private static final int SIZE = 64 << 10;
  private static final long SECONDS = 30;

  @TempDir Path root;

  @Test
  void chunksPublishedButNotIndexedAreReverifiedAfterAKillAndACorruptOneIsDropped() throws Exception {
    Process child = ChildJvm.start(UnindexedWriter.class, root.toString(), "11", Integer.toString(CHUNKS),
        Integer.toString(SIZE));
    try {
      ChildJvm.awaitLine(child, "published", SECONDS);
    } finally {
      ChildJvm.kill(child, SECONDS);
    }
    List<Path> files = chunkFiles();
    assertEquals(CHUNKS, files.size(), "chunk files the killed writer left: " + files);
    Path corrupt = files.get(0);
    byte[] bytes = Files.readAllBytes(corrupt);
    bytes[SIZE / 2] ^= 1;
    Files.write(corrupt, bytes);
    Digest corrupted = Digest.parse(corrupt.getFileName().toString());

    try (FileChunkStore store = FileChunkStore.open(StoreConfig.at(root).withMinFreeBytes(0))) {
      assertEquals(CHUNKS - 1, store.stats().chunks(), "adopted chunks");
      assertFalse(store.contains(corrupted));
      assertFalse(Files.exists(corrupt), "the corrupt file was deleted");
      assertThrows(ChunkNotFoundException.class, () -> store.read(corrupted, 0, ByteBuffer.allocate(SIZE)));
      for (Path file : files.subList(1, files.size())) {
        Digest digest = Digest.parse(file.getFileName().toString());
        ByteBuffer buffer = ByteBuffer.allocate(SIZE);
        assertEquals(SIZE, store.read(digest, 0, buffer));
        assertEquals(digest, Digest.sha256(buffer.array()), "bytes of adopted chunk " + digest);
      }
    }
    try (FileChunkStore store = FileChunkStore.open(StoreConfig.at(root).withMinFreeBytes(0))) {
      assertEquals(CHUNKS - 1, store.stats().chunks(), "the adoption was written to the index");
      assertEquals(0, store.indexer().pendingCount());
    }
  }

  @Test
  void closeIndexesEveryPublishedChunkSoTheNextOpenAdoptsNothing() throws Exception {
    Random random = new Random(5);
    List<ChunkRef> refs = new ArrayList<>();
    try (FileChunkStore store = FileChunkStore.open(StoreConfig.at(root).withMinFreeBytes(0))) {
      store.indexer().hold();
      for (int i = 0; i < CHUNKS; i++) {
        byte[] data = new byte[SIZE];
        random.nextBytes(data);
        ChunkRef ref = new ChunkRef(Digest.sha256(data), SIZE);
        refs.add(ref);
        store.ensure(ref, Priority.FOREGROUND, "close test", (c, sink) -> sink.write(ByteBuffer.wrap(data)))
            .get(SECONDS, java.util.concurrent.TimeUnit.SECONDS);
      }
      assertEquals(CHUNKS, store.indexer().pendingCount());
    }
    // Corrupt a file after the clean close: an indexed file is trusted by its size, so it must
    // have been indexed (not re-hashed and dropped) for the store to still list it.
    Path first = chunkFiles().get(0);
    byte[] bytes = Files.readAllBytes(first);
    bytes[0] ^= 1;
    Files.write(first, bytes);
    try (FileChunkStore store = FileChunkStore.open(StoreConfig.at(root).withMinFreeBytes(0))) {
      assertEquals(CHUNKS, store.stats().chunks());
      for (ChunkRef ref : refs) {
        assertTrue(store.contains(ref.digest()), "indexed at close: " + ref.digest());
      }
    }
  }

  private List<Path> chunkFiles() throws IOException {
    try (Stream<Path> walk = Files.walk(root.resolve("chunks"))) {
      return walk.filter(Files::isRegularFile).sorted().toList();
    }
  }
}
