package io.modelfs.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.modelfs.core.Digest;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
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
      Process child = startWriter(round);
      try {
        awaitReady(child);
        Thread.sleep(50 + random.nextInt(400));
      } finally {
        child.destroyForcibly(); // SIGKILL on Linux
        assertTrue(child.waitFor(READY_SECONDS, TimeUnit.SECONDS), "child writer did not die");
      }
      checkedChunks += checkStore(round);
    }
    assertTrue(checkedChunks > ROUNDS, "the writer stored too little to test anything: " + checkedChunks);
  }

  private Process startWriter(int round) throws IOException {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    return new ProcessBuilder(java.toString(), "-Xmx256m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xshare:auto", "-cp", System.getProperty("java.class.path"),
        CrashWriter.class.getName(), root.toString(), Integer.toString(round))
        .redirectErrorStream(true)
        .start();
  }

  /** Waits for the child's "ready" line; its output after that is drained by a daemon thread. */
  private static void awaitReady(Process child) throws Exception {
    BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(READY_SECONDS);
    List<String> seen = new ArrayList<>();
    while (System.nanoTime() < deadline) {
      String line = out.readLine();
      if (line == null) {
        throw new AssertionError("child writer exited before it was ready: " + seen);
      }
      if (line.equals("ready")) {
        Thread drain = new Thread(() -> {
          try {
            while (out.readLine() != null) {
              // discard
            }
          } catch (IOException ignored) {
            // the child died
          }
        });
        drain.setDaemon(true);
        drain.start();
        return;
      }
      seen.add(line);
    }
    throw new AssertionError("child writer not ready after " + READY_SECONDS + " s: " + seen);
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
