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
 *   default: &lt;32-byte digest&gt; -&gt; &lt;size:int64&gt;&lt;lastAccessMillis:int64&gt;
 *   pins:    &lt;name, UTF-8&gt;     -&gt; &lt;32-byte digest&gt;*
 * </pre>
 * Writes go through the write-ahead log, synced when the store fsyncs, so an entry written
 * before a crash is there after it. The index is small (tens of bytes per chunk); the store's
 * free-space reserve is what keeps its writes from failing on a full disk.
 */
final class RocksChunkIndex implements ChunkIndex {
  private static final Logger log = LoggerFactory.getLogger(RocksChunkIndex.class);
  private static final int VALUE_LENGTH = 16;

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

  @Override
  public void forEach(BiConsumer<Digest, Entry> action) throws IOException {
    try (RocksIterator it = db.newIterator(chunks)) {
      for (it.seekToFirst(); it.isValid(); it.next()) {
        action.accept(Digest.of(it.key()), decode(it.value()));
      }
      it.status();
    } catch (RocksDBException e) {
      throw failure("scan", e);
    }
  }

  @Override
  public Optional<Entry> get(Digest digest) throws IOException {
    try {
      byte[] value = db.get(chunks, digest.toBytes());
      return value == null ? Optional.empty() : Optional.of(decode(value));
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

  private static byte[] encode(Entry entry) {
    return ByteBuffer.allocate(VALUE_LENGTH).putLong(entry.size()).putLong(entry.lastAccessMillis()).array();
  }

  private static Entry decode(byte[] value) {
    ByteBuffer b = ByteBuffer.wrap(value);
    return new Entry(b.getLong(), b.getLong());
  }
}
