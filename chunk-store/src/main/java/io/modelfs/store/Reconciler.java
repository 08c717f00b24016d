package io.modelfs.store;

import io.modelfs.core.Digest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes the index and the chunk files agree when a store opens, whatever a crash interrupted:
 * <ul>
 *   <li>staging files are partial loads and are deleted;
 *   <li>an index entry whose file is missing or has the wrong size is dropped (and the file deleted);
 *   <li>a chunk file without an entry (published just before a crash, or an index lost) is
 *       re-hashed and adopted if it matches its name, deleted otherwise.
 * </ul>
 * Files with an entry and the right size are trusted without re-hashing: a file enters
 * {@code chunks/} only by a rename after verification.
 */
final class Reconciler {
  private static final Logger log = LoggerFactory.getLogger(Reconciler.class);

  /** What reconciliation found and did, for the log and the tests. */
  record Outcome(int stagingRemoved, int entriesDropped, int filesAdopted, int filesDeleted) {}

  private final StoreLayout layout;
  private final ChunkIndex index;
  private final ChunkTable table;

  Reconciler(StoreLayout layout, ChunkIndex index, ChunkTable table) {
    this.layout = layout;
    this.index = index;
    this.table = table;
  }

  Outcome run(long now) throws IOException {
    int staging = layout.clearStaging();
    Map<Digest, ChunkIndex.Entry> entries = new HashMap<>();
    index.forEach(entries::put);
    int adopted = 0;
    int deleted = 0;
    FileHasher hasher = new FileHasher();
    for (Path file : chunkFiles()) {
      Digest digest = Digest.parse(file.getFileName().toString());
      ChunkIndex.Entry entry = entries.remove(digest);
      long size = Files.size(file);
      if (entry != null && entry.size() == size) {
        table.add(digest, size, entry.lastAccessMillis());
      } else if (entry == null && hasher.matches(file, digest, size)) {
        index.put(digest, new ChunkIndex.Entry(size, now));
        table.add(digest, size, now);
        adopted++;
      } else {
        log.warn("chunk store at {}: deleting chunk file {} ({} bytes): {}", layout.root(), file, size,
            entry == null ? "no index entry and its bytes do not match its name" : "index says " + entry.size() + " bytes");
        Files.deleteIfExists(file);
        if (entry != null) {
          index.remove(digest);
        }
        deleted++;
      }
    }
    index.removeAll(new ArrayList<>(entries.keySet()));
    Outcome outcome = new Outcome(staging, entries.size(), adopted, deleted);
    if (!outcome.equals(new Outcome(0, 0, 0, 0))) {
      log.warn("chunk store at {} recovered: removed {} partial writes, dropped {} index entries without a file, "
              + "adopted {} verified files without an entry, deleted {} bad files",
          layout.root(), staging, entries.size(), adopted, deleted);
    }
    return outcome;
  }

  private List<Path> chunkFiles() throws IOException {
    try (Stream<Path> walk = Files.walk(layout.chunksDir(), 2)) {
      return walk.filter(layout::isChunkFile).toList();
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
  }
}
