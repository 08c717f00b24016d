package io.modelfs.store;

import io.modelfs.core.Digest;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.BiConsumer;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.DBOptions;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link ChunkIndex} in RocksDB. Two column families:
 * <pre>
 *   default: &lt;32-byte digest&gt; -&gt; &lt;version=1:u8&gt;&lt;state:u8&gt;&lt;size:int64&gt;&lt;lastAccessMillis:int64&gt;&lt;location, UTF-8&gt;
 *   pins:    &lt;name, UTF-8&gt;     -&gt; &lt;32-byte digest&gt;*
 * </pre>
 * Format 0, written before entries had a version, is {@code <size:int64><lastAccessMillis:int64>}
 * (exactly 16 bytes; a format 1 value is at least 19) for a published chunk at its derived
 * location; {@link #forEach} reads it and rewrites it in format 1. A value of an unknown version
 * is an error naming the chunk, not a guess.
 * Writes go through the write-ahead log, synced when the store fsyncs, so an entry written
 * before a crash is there after it. The index is small (tens of bytes per chunk); the store's
 * free-space reserve is what keeps its writes from failing on a full disk.
 */
final class RocksChunkIndex implements ChunkIndex {
  private static final Logger log = LoggerFactory.getLogger(RocksChunkIndex.class);
  static final byte FORMAT = 1;
  private static final int LEGACY_LENGTH = 16;
  private static final int HEADER_LENGTH = 2 + 2 * Long.BYTES;
  private static final int UPGRADE_BATCH = 10_000;
  private static final ChunkIndex.State[] STATES = ChunkIndex.State.values();

  static {
    RocksDB.loadLibrary();
  }

  private final Path dir;
  private final DBOptions options;
  private final ColumnFamilyOptions columnOptions;
  private final WriteOptions writeOptions;
  private final RocksDB db;
  private final ColumnFamilyHandle chunks;
  private final ColumnFamilyHandle pins;

  private RocksChunkIndex(Path dir, DBOptions options, ColumnFamilyOptions columnOptions, WriteOptions writeOptions,
      RocksDB db, List<ColumnFamilyHandle> handles) {
    this.dir = dir;
    this.options = options;
    this.columnOptions = columnOptions;
    this.writeOptions = writeOptions;
    this.db = db;
    this.chunks = handles.get(0);
    this.pins = handles.get(1);
  }

  /** Opens (creating if needed) the index in {@code dir}; {@code sync} makes every write durable against power loss. */
  static RocksChunkIndex open(Path dir, boolean sync) throws IOException {
    Files.createDirectories(dir);
    DBOptions options = new DBOptions().setCreateIfMissing(true).setCreateMissingColumnFamilies(true)
        .setKeepLogFileNum(2).setMaxTotalWalSize(16L << 20)
        // Small files, small disks: do not reserve megabytes ahead (a store on a nearly full disk must still open).
        .setManifestPreallocationSize(64 << 10);
    ColumnFamilyOptions columnOptions = new ColumnFamilyOptions().optimizeForPointLookup(64);
    WriteOptions writeOptions = new WriteOptions().setSync(sync);
    List<ColumnFamilyDescriptor> families = List.of(
        new ColumnFamilyDescriptor(RocksDB.DEFAULT_COLUMN_FAMILY, columnOptions),
        new ColumnFamilyDescriptor("pins".getBytes(StandardCharsets.UTF_8), columnOptions));
    List<ColumnFamilyHandle> handles = new ArrayList<>();
    try {
      RocksDB db = RocksDB.open(options, dir.toString(), families, handles);
      return new RocksChunkIndex(dir, options, columnOptions, writeOptions, db, handles);
    } catch (RocksDBException e) {
      writeOptions.close();
      columnOptions.close();
      options.close();
      throw new IOException("chunk index at " + dir + " could not be opened: " + e.getMessage(), e);
    }
  }

  /**
   * Scans every entry with a bulk-read iterator (2 MiB readahead, blocks kept out of the cache,
   * keys and values read into reused direct buffers). Entries still in format 0 are rewritten in
   * format 1 after the scan.
   */
  @Override
  public void forEach(BiConsumer<Digest, Entry> action) throws IOException {
    Map<Digest, Entry> legacy = new HashMap<>();
    ByteBuffer key = ByteBuffer.allocateDirect(Digest.LENGTH);
    ByteBuffer value = ByteBuffer.allocateDirect(512);
    byte[] keyBytes = new byte[Digest.LENGTH];
    try (ReadOptions scan = new ReadOptions().setFillCache(false).setReadaheadSize(2L << 20);
        RocksIterator it = db.newIterator(chunks, scan)) {
      for (it.seekToFirst(); it.isValid(); it.next()) {
        key.clear();
        if (it.key(key) != Digest.LENGTH) {
          throw new IOException("chunk index at " + dir + " has a key of " + it.key().length + " bytes, not a digest");
        }
        key.get(keyBytes);
        Digest digest = Digest.of(keyBytes);
        value.clear();
        int length = it.value(value);
        if (length > value.capacity()) {
          value = ByteBuffer.allocateDirect(length);
          it.value(value);
        }
        Entry entry = decode(digest, value);
        if (length == LEGACY_LENGTH) {
          legacy.put(digest, entry);
        }
        action.accept(digest, entry);
      }
      it.status();
    } catch (RocksDBException e) {
      throw failure("scan", e);
    }
    upgrade(legacy);
  }

  @Override
  public long estimatedEntries() {
    try {
      return db.getLongProperty(chunks, "rocksdb.estimate-num-keys");
    } catch (RocksDBException e) {
      log.warn("chunk index at {}: no estimate of its size: {}", dir, e.getMessage());
      return 0;
    }
  }

  @Override
  public Optional<Entry> get(Digest digest) throws IOException {
    try {
      byte[] value = db.get(chunks, digest.toBytes());
      return value == null ? Optional.empty() : Optional.of(decode(digest, ByteBuffer.wrap(value)));
    } catch (RocksDBException e) {
      throw failure("get of " + digest, e);
    }
  }

  @Override
  public void put(Digest digest, Entry entry) throws IOException {
    write("put of " + digest, batch -> batch.put(chunks, digest.toBytes(), encode(entry)));
  }

  @Override
  public void putAll(Map<Digest, Entry> entries) throws IOException {
    if (entries.isEmpty()) {
      return;
    }
    write("put of " + entries.size() + " entries", batch -> {
      for (Map.Entry<Digest, Entry> e : entries.entrySet()) {
        batch.put(chunks, e.getKey().toBytes(), encode(e.getValue()));
      }
    });
  }

  @Override
  public void remove(Digest digest) throws IOException {
    write("delete of " + digest, batch -> batch.delete(chunks, digest.toBytes()));
  }

  @Override
  public void removeAll(Collection<Digest> digests) throws IOException {
    if (digests.isEmpty()) {
      return;
    }
    write("delete of " + digests.size() + " entries", batch -> {
      for (Digest d : digests) {
        batch.delete(chunks, d.toBytes());
      }
    });
  }

  @Override
  public Map<String, Set<Digest>> pins() throws IOException {
    Map<String, Set<Digest>> all = new HashMap<>();
    try (RocksIterator it = db.newIterator(pins)) {
      for (it.seekToFirst(); it.isValid(); it.next()) {
        byte[] value = it.value();
        Set<Digest> digests = new LinkedHashSet<>();
        for (int at = 0; at + Digest.LENGTH <= value.length; at += Digest.LENGTH) {
          byte[] one = new byte[Digest.LENGTH];
          System.arraycopy(value, at, one, 0, Digest.LENGTH);
          digests.add(Digest.of(one));
        }
        all.put(new String(it.key(), StandardCharsets.UTF_8), digests);
      }
      it.status();
    } catch (RocksDBException e) {
      throw failure("scan of pins", e);
    }
    return all;
  }

  @Override
  public void putPin(String name, Set<Digest> digests) throws IOException {
    ByteBuffer value = ByteBuffer.allocate(digests.size() * Digest.LENGTH);
    digests.forEach(d -> value.put(d.toBytes()));
    write("put of pin " + name, batch -> batch.put(pins, name.getBytes(StandardCharsets.UTF_8), value.array()));
  }

  @Override
  public void removePin(String name) throws IOException {
    write("delete of pin " + name, batch -> batch.delete(pins, name.getBytes(StandardCharsets.UTF_8)));
  }

  @Override
  public void close() {
    chunks.close();
    pins.close();
    try {
      db.syncWal();
    } catch (RocksDBException e) {
      log.warn("chunk index at {}: WAL sync at close failed: {}", dir, e.getMessage());
    }
    db.close();
    writeOptions.close();
    columnOptions.close();
    options.close();
  }

  private interface BatchFiller {
    void fill(WriteBatch batch) throws RocksDBException;
  }

  private void write(String what, BatchFiller filler) throws IOException {
    try (WriteBatch batch = new WriteBatch()) {
      filler.fill(batch);
      db.write(writeOptions, batch);
    } catch (RocksDBException e) {
      throw failure(what, e);
    }
  }

  private IOException failure(String what, RocksDBException e) {
    return new IOException("chunk index at " + dir + ": " + what + " failed: " + e.getMessage(), e);
  }

  /** Rewrites entries read in format 0 in the current format, in batches. */
  private void upgrade(Map<Digest, Entry> legacy) throws IOException {
    if (legacy.isEmpty()) {
      return;
    }
    Map<Digest, Entry> batch = new HashMap<>();
    for (Map.Entry<Digest, Entry> e : legacy.entrySet()) {
      batch.put(e.getKey(), e.getValue());
      if (batch.size() == UPGRADE_BATCH) {
        putAll(batch);
        batch.clear();
      }
    }
    putAll(batch);
    log.info("chunk index at {}: rewrote {} entries from format 0 in format {}", dir, legacy.size(), FORMAT);
  }

  static byte[] encode(Entry entry) {
    byte[] location = entry.location().getBytes(StandardCharsets.UTF_8);
    return ByteBuffer.allocate(HEADER_LENGTH + location.length).put(FORMAT).put((byte) entry.state().ordinal())
        .putLong(entry.size()).putLong(entry.lastAccessMillis()).put(location).array();
  }

  /** Decodes the remaining bytes of {@code value}, the entry of {@code digest}, in format 0 or 1. */
  private Entry decode(Digest digest, ByteBuffer value) throws IOException {
    int length = value.remaining();
    if (length == LEGACY_LENGTH) {
      return Entry.published(digest, value.getLong(), value.getLong());
    }
    byte version = length > 0 ? value.get() : -1;
    if (version != FORMAT || length < HEADER_LENGTH + 1) {
      throw new IOException("chunk index at " + dir + ": entry of chunk " + digest + " is " + length
          + " bytes in format " + version + "; this modelfs reads formats 0 and " + FORMAT
          + " (a newer modelfs wrote it, or the index is damaged: move index/ away and the store re-adopts its files)");
    }
    int state = value.get();
    if (state < 0 || state >= STATES.length) {
      throw new IOException("chunk index at " + dir + ": entry of chunk " + digest + " has unknown state " + state);
    }
    long size = value.getLong();
    long lastAccess = value.getLong();
    byte[] location = new byte[value.remaining()];
    value.get(location);
    return new Entry(STATES[state], new String(location, StandardCharsets.UTF_8), size, lastAccess);
  }
}
