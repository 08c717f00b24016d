package io.modelfs.store;

import static io.modelfs.store.TestChunks.await;
import static io.modelfs.store.TestChunks.refOf;
import static io.modelfs.store.TestChunks.serving;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.modelfs.core.ChunkRef;
import io.modelfs.core.Digest;
import io.modelfs.store.ChunkIndex.Entry;
import io.modelfs.store.ChunkIndex.State;
import io.modelfs.store.ChunkStore.Priority;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.DBOptions;
import org.rocksdb.RocksDB;

/**
 * The index's value format: state and location per chunk (format 1), stores written in format 0
 * (size and access time only) still open and are upgraded, and a value it cannot read is an error
 * naming the chunk. Format-0 stores are written here with RocksDB directly, byte for byte as the
 * code before format 1 wrote them.
 */
class IndexFormatTest {
  @TempDir Path root;
  final TestChunks chunks = new TestChunks();
  final StepClock clock = new StepClock();

  @Test
  void entriesKeepStateLocationSizeAndAccessTime() throws Exception {
    Digest a = refOf(chunks.bytes(10)).digest();
    Digest b = refOf(chunks.bytes(10)).digest();
    Entry published = Entry.published(a, 10, 1234);
    Entry quarantined = new Entry(State.QUARANTINED, "quarantine/" + b.hex() + ".99", 10, 99);
    try (RocksChunkIndex index = RocksChunkIndex.open(root, false)) {
      index.put(a, published);
      index.put(b, quarantined);
    }

    try (RocksChunkIndex index = RocksChunkIndex.open(root, false)) {
      assertEquals(Optional.of(published), index.get(a));
      assertEquals("chunks/" + a.hex().substring(0, 2) + "/" + a.hex(), index.get(a).orElseThrow().location());
      Map<Digest, Entry> all = new TreeMap<>();
      index.forEach(all::put);
      assertEquals(Map.of(a, published, b, quarantined), all);
    }
  }

  @Test
  void aStoreWrittenInFormatZeroOpensKeepsItsOrderAndIsRewrittenInFormatOne() throws Exception {
    List<byte[]> contents = new ArrayList<>();
    Map<Digest, Long> lastAccess = new TreeMap<>();
    for (int i = 0; i < 3; i++) {
      byte[] data = chunks.bytes(1000 + i);
      contents.add(data);
      Path file = root.resolve(StoreLayout.chunkLocation(refOf(data).digest()));
      Files.createDirectories(file.getParent());
      Files.write(file, data);
      lastAccess.put(refOf(data).digest(), 1_000L * (3 - i)); // chunk 2 least recently used, chunk 0 most
    }
    writeFormatZero(root.resolve("index"), lastAccess, contents);

    try (ChunkStore store = FileChunkStore.open(config(), clock)) {
      assertEquals(List.of(refOf(contents.get(2)).digest(), refOf(contents.get(1)).digest(), refOf(contents.get(0)).digest()),
          store.list().stream().map(ChunkStore.StoredChunk::digest).toList());
      assertEquals(1_000L, store.list().get(0).lastAccessMillis());
      ByteBuffer all = ByteBuffer.allocate(1000);
      assertEquals(1000, store.read(refOf(contents.get(0)).digest(), 0, all));
      assertArrayEquals(contents.get(0), all.array());
    }

    Map<Digest, byte[]> raw = readRaw(root.resolve("index"));
    assertEquals(3, raw.size());
    for (byte[] data : contents) {
      Digest d = refOf(data).digest();
      ByteBuffer v = ByteBuffer.wrap(raw.get(d));
      assertEquals(RocksChunkIndex.FORMAT, v.get());
      assertEquals(State.PUBLISHED.ordinal(), v.get());
      assertEquals(data.length, v.getLong());
      v.getLong();
      assertEquals(StoreLayout.chunkLocation(d), StandardCharsets.UTF_8.decode(v).toString());
    }
  }

  @Test
  void anEntryOfAnUnknownFormatIsAnErrorNamingTheChunk() throws Exception {
    Digest d = refOf(chunks.bytes(10)).digest();
    byte[] future = RocksChunkIndex.encode(Entry.published(d, 10, 1));
    future[0] = 7;
    writeRaw(root.resolve("index"), Map.of(d, future));

    IOException e = assertThrows(IOException.class, () -> FileChunkStore.open(config(), clock));

    assertTrue(e.getMessage().contains(d.hex()) && e.getMessage().contains("format 7"), e.getMessage());
    // The failed open released the store: fixing the index (here: removing it) lets it open.
    deleteTree(root.resolve("index"));
    FileChunkStore.open(config(), clock).close();
  }

  @Test
  void verifyRecordsAQuarantinedEntryThatIsNotServedAfterReopenAndANewLoadReplaces() throws Exception {
    byte[] data = chunks.bytes(4096);
    ChunkRef chunk = refOf(data);
    try (ChunkStore store = FileChunkStore.open(config(), clock)) {
      await(store.ensure(chunk, Priority.FOREGROUND, "origin test", serving(data)));
      Files.write(root.resolve(StoreLayout.chunkLocation(chunk.digest())), chunks.bytes(4096));
      assertEquals(List.of(chunk.digest()), store.verify(List.of()).corrupt());
    }
    Entry quarantined;
    try (RocksChunkIndex index = RocksChunkIndex.open(root.resolve("index"), false)) {
      quarantined = index.get(chunk.digest()).orElseThrow();
    }
    assertEquals(State.QUARANTINED, quarantined.state());
    assertTrue(quarantined.location().startsWith("quarantine/" + chunk.digest().hex() + "."), quarantined.location());
    assertTrue(Files.isRegularFile(root.resolve(quarantined.location())));

    try (ChunkStore store = FileChunkStore.open(config(), clock)) {
      assertFalse(store.contains(chunk.digest()));
      await(store.ensure(chunk, Priority.FOREGROUND, "origin test", serving(data)));
    }
    try (RocksChunkIndex index = RocksChunkIndex.open(root.resolve("index"), false)) {
      assertEquals(State.PUBLISHED, index.get(chunk.digest()).orElseThrow().state());
    }
  }

  private StoreConfig config() {
    return StoreConfig.at(root).withFsync(false).withMinFreeBytes(0).withFetchThreads(1);
  }

  /** An index as the code before format 1 wrote it: {@code <size:int64><lastAccess:int64>} per chunk. */
  private static void writeFormatZero(Path dir, Map<Digest, Long> lastAccess, List<byte[]> contents) throws Exception {
    Map<Digest, byte[]> values = new TreeMap<>();
    for (byte[] data : contents) {
      Digest d = refOf(data).digest();
      values.put(d, ByteBuffer.allocate(16).putLong(data.length).putLong(lastAccess.get(d)).array());
    }
    writeRaw(dir, values);
  }

  private static void writeRaw(Path dir, Map<Digest, byte[]> values) throws Exception {
    Files.createDirectories(dir);
    List<ColumnFamilyHandle> handles = new ArrayList<>();
    try (DBOptions options = new DBOptions().setCreateIfMissing(true).setCreateMissingColumnFamilies(true);
        RocksDB db = RocksDB.open(options, dir.toString(), families(), handles)) {
      for (Map.Entry<Digest, byte[]> e : values.entrySet()) {
        db.put(handles.get(0), e.getKey().toBytes(), e.getValue());
      }
      handles.forEach(ColumnFamilyHandle::close);
    }
  }

  private static Map<Digest, byte[]> readRaw(Path dir) throws Exception {
    Map<Digest, byte[]> values = new TreeMap<>();
    List<ColumnFamilyHandle> handles = new ArrayList<>();
    try (DBOptions options = new DBOptions();
        RocksDB db = RocksDB.open(options, dir.toString(), families(), handles)) {
      try (var it = db.newIterator(handles.get(0))) {
        for (it.seekToFirst(); it.isValid(); it.next()) {
          values.put(Digest.of(it.key()), it.value());
        }
      }
      handles.forEach(ColumnFamilyHandle::close);
    }
    return values;
  }

  private static List<ColumnFamilyDescriptor> families() {
    return List.of(new ColumnFamilyDescriptor(RocksDB.DEFAULT_COLUMN_FAMILY),
        new ColumnFamilyDescriptor("pins".getBytes(StandardCharsets.UTF_8)));
  }

  private static void deleteTree(Path dir) throws IOException {
    try (var walk = Files.walk(dir)) {
      for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
