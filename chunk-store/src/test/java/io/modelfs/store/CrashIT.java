package io.modelfs.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.modelfs.core.Digest;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kills a child process ({@link CrashWriter}) with SIGKILL at a random moment while it writes,
 * evicts and pins, {@value #ROUNDS} times, and after each kill checks that the reopened store
 * is consistent: no staging leftovers, every chunk file indexed, and every indexed chunk's bytes
 * hash to its digest.
 */
class CrashIT {
  private static final int ROUNDS = 20;
  private static final long READY_SECONDS = 30;

  @TempDir Path root;

  @Test
  void storeIsConsistentAfterEveryKillDuringWrites() throws Exception {
    Random random = new Random(7);
    long checkedChunks = 0;
    for (int round = 0; round < ROUNDS; round++) {
      Process child = ChildJvm.start(CrashWriter.class, root.toString(), Integer.toString(round));
      try {
        ChildJvm.awaitLine(child, "ready", READY_SECONDS);
        Thread.sleep(50 + random.nextInt(400));
      } finally {
        ChildJvm.kill(child, READY_SECONDS);
      }
      checkedChunks += checkStore(round);
    }
    assertTrue(checkedChunks > ROUNDS, "the writer stored too little to test anything: " + checkedChunks);
  }

  /** Reopens the store, checks it, closes it; returns how many chunks it checked. */
  private int checkStore(int round) throws Exception {
    try (ChunkStore store = FileChunkStore.open(StoreConfig.at(root).withFsync(false).withMinFreeBytes(0))) {
      assertEquals(List.of(), filesUnder(root.resolve("staging")), "staging after round " + round);
      Set<Path> indexed = new HashSet<>();
      ByteBuffer buffer = ByteBuffer.allocate(256 << 10);
      for (ChunkStore.StoredChunk chunk : store.list()) {
        String hex = chunk.digest().hex();
        indexed.add(root.resolve("chunks").resolve(hex.substring(0, 2)).resolve(hex));
        buffer.clear();
        int n = store.read(chunk.digest(), 0, buffer);
        assertEquals(chunk.size(), n, "size of chunk " + hex + " after round " + round);
        MessageDigest sha = Digest.newSha256();
        sha.update(buffer.array(), 0, n);
        assertEquals(chunk.digest(), Digest.finish(sha), "bytes of chunk " + hex + " after round " + round);
      }
      assertEquals(indexed, new HashSet<>(filesUnder(root.resolve("chunks"))), "chunk files after round " + round);
      assertEquals(indexed.size(), store.stats().chunks());
      return indexed.size();
    }
  }

  private static List<Path> filesUnder(Path dir) throws IOException {
    try (Stream<Path> walk = Files.walk(dir)) {
      return walk.filter(Files::isRegularFile).toList();
    }
  }
}
