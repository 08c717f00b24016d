package io.modelfs.store;

import static io.modelfs.store.TestChunks.await;
import static io.modelfs.store.TestChunks.failureOf;
import static io.modelfs.store.TestChunks.refOf;
import static io.modelfs.store.TestChunks.serving;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.modelfs.core.ChunkRef;
import io.modelfs.core.Digest;
import io.modelfs.store.ChunkStore.Priority;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The disk really fills up: the store lives on an 8 MiB tmpfs (needs root) with no budget and no
 * free-space reserve, and 1 MiB chunks are written until a write hits ENOSPC.
 */
class DiskFullIT {
  private static final int CHUNK = 1 << 20;
  private static final int MAX_WRITES = 20;

  @TempDir Path dir;
  final TestChunks chunks = new TestChunks();
  Path root;
  ChunkStore store;

  @BeforeEach
  void mountSmallDisk() throws Exception {
    root = dir.resolve("disk");
    Files.createDirectories(root);
    run("mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", root.toString());
  }

  @AfterEach
  void unmount() throws Exception {
    try {
      if (store != null) {
        store.close();
      }
    } finally {
      run("umount", root.toString());
    }
  }

  @Test
  void diskFilledByANeighbourDuringAWriteFailsItCleanlyEvictsAndARetrySucceeds() throws Exception {
    store = FileChunkStore.open(StoreConfig.at(root).withMinFreeBytes(0).withFsync(false));
    List<byte[]> stored = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      byte[] data = chunks.bytes(CHUNK);
      await(store.ensure(refOf(data), Priority.FOREGROUND, "origin test", serving(data)));
      stored.add(data);
    }
    byte[] victim = chunks.bytes(CHUNK);
    Path filler = dir.resolve("disk").resolve("neighbour");
    // Half way through the chunk another writer takes every free byte; the store's check before the write passed.
    ChunkLoader crowded = (chunk, sink) -> {
      sink.write(ByteBuffer.wrap(victim, 0, CHUNK / 2));
      fillDisk(filler);
      serving(victim).load(chunk, new SkippingChannel(sink, CHUNK / 2));
    };

    Throwable failure = failureOf(store.ensure(refOf(victim), Priority.FOREGROUND, "origin test", crowded));

    StoreFullException full = assertInstanceOf(StoreFullException.class, failure);
    String message = full.getMessage();
    assertTrue(message.contains("chunk " + refOf(victim).digest().hex() + " from origin test not stored")
        && message.contains("is full") && message.contains("nothing stored was damaged")
        && message.contains("evicted 1 chunks"), message);
    assertFalse(store.contains(refOf(victim).digest()));
    assertEquals(List.of(), filesUnder(root.resolve("staging")));
    assertEquals(2, store.stats().chunks());
    assertEquals(1, store.stats().evictions());
    assertStoredIntact(stored);

    await(store.ensure(refOf(victim), Priority.FOREGROUND, "origin test", serving(victim)));
    assertStoredIntact(List.of(victim));
    assertTrue(store.contains(refOf(victim).digest()));
  }

  @Test
  void fullDiskWithEverythingPinnedSaysSo() throws Exception {
    store = FileChunkStore.open(StoreConfig.at(root).withMinFreeBytes(0).withFsync(false));
    List<Digest> all = new ArrayList<>();
    Throwable failure = null;
    for (int i = 0; i < MAX_WRITES && failure == null; i++) {
      byte[] data = chunks.bytes(CHUNK);
      all.add(refOf(data).digest());
      store.pin("everything", all);
      failure = store.ensure(refOf(data), Priority.FOREGROUND, "origin test", serving(data))
          .handle((ok, e) -> e == null ? null : e instanceof CompletionException ce ? ce.getCause() : e)
          .get(TestChunks.WAIT_SECONDS, TimeUnit.SECONDS);
    }

    assertInstanceOf(StoreFullException.class, failure);
    assertTrue(failure.getMessage().contains("nothing could be evicted (every stored chunk is pinned)"),
        failure.getMessage());
    assertEquals(all.size() - 1, store.stats().chunks());
    assertEquals(new ChunkStore.VerifyReport(all.size() - 1, (long) (all.size() - 1) * CHUNK, List.of()),
        store.verify(List.of()));
  }

  @Test
  void theFreeSpaceReserveIsKeptByEvictingLeastRecentlyUsedChunks() throws Exception {
    long reserve = 4L << 20;
    StepClock clock = new StepClock();
    store = FileChunkStore.open(StoreConfig.at(root).withMinFreeBytes(reserve).withFsync(false).withFetchThreads(1), clock);
    List<Digest> evicted = new ArrayList<>();
    store.addEvictionListener((d, size) -> evicted.add(d));
    List<byte[]> written = new ArrayList<>();
    for (int i = 0; i < 8; i++) { // 8 MiB of chunks on an 8 MiB disk that must keep 4 MiB free
      byte[] data = chunks.bytes(CHUNK);
      written.add(data);
      await(store.ensure(refOf(data), Priority.FOREGROUND, "origin test", serving(data)));
      clock.tick();
      assertTrue(Files.getFileStore(root).getUsableSpace() >= reserve - CHUNK,
          "free space " + Files.getFileStore(root).getUsableSpace() + " after chunk " + i);
    }

    assertTrue(store.contains(refOf(written.get(7)).digest()), "the newest chunk stays");
    assertFalse(evicted.isEmpty());
    assertEquals(refOf(written.get(0)).digest(), evicted.get(0), "the least recently used goes first");
    assertTrue(store.stats().bytes() <= 4L * CHUNK, "stored " + store.stats().bytes());
    assertStoredIntact(written);
  }

  private void assertStoredIntact(List<byte[]> contents) throws IOException {
    for (byte[] data : contents) {
      ChunkRef ref = refOf(data);
      if (!store.contains(ref.digest())) {
        continue; // evicted to make room: gone, not damaged
      }
      ByteBuffer all = ByteBuffer.allocate(data.length);
      assertEquals(data.length, store.read(ref.digest(), 0, all));
      assertArrayEquals(data, all.array());
    }
    assertEquals(List.of(), store.verify(List.of()).corrupt());
  }

  /** Writes {@code file} until the filesystem refuses, as a careless neighbour would. */
  private static void fillDisk(Path file) throws IOException {
    ByteBuffer block = ByteBuffer.allocate(64 << 10);
    try (var out = Files.newByteChannel(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
      for (int i = 0; i < 1024; i++) {
        block.clear();
        out.write(block);
      }
    } catch (IOException e) {
      return; // full
    }
    throw new AssertionError("64 MiB fit on an 8 MiB tmpfs");
  }

  /** Passes writes on after dropping the first {@code skip} bytes (already written by the test loader). */
  private static final class SkippingChannel implements WritableByteChannel {
    private final WritableByteChannel target;
    private long skip;

    SkippingChannel(WritableByteChannel target, long skip) {
      this.target = target;
      this.skip = skip;
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
      int n = src.remaining();
      if (skip >= n) {
        skip -= n;
        src.position(src.limit());
        return n;
      }
      src.position(src.position() + (int) skip);
      skip = 0;
      int written = n - src.remaining();
      while (src.hasRemaining()) {
        written += target.write(src);
      }
      return written;
    }

    @Override
    public boolean isOpen() {
      return target.isOpen();
    }

    @Override
    public void close() {}
  }

  private static List<Path> filesUnder(Path dir) throws IOException {
    try (Stream<Path> walk = Files.walk(dir)) {
      return walk.filter(Files::isRegularFile).toList();
    }
  }

  private static void run(String... command) throws Exception {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    if (!p.waitFor(30, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError(String.join(" ", command) + " timed out");
    }
    String out = new String(p.getInputStream().readAllBytes());
    if (p.exitValue() != 0) {
      throw new AssertionError(String.join(" ", command) + " failed (" + p.exitValue() + "): " + out);
    }
  }
}
