package io.modelfs.store;

import io.modelfs.core.Digest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes the index and the chunk files agree when a store opens, whatever a crash interrupted:
 * <ul>
 *   <li>staging files are partial loads and are deleted;
 *   <li>a published entry whose file is missing, has the wrong size or is not where the entry
 *       says is dropped (and the file deleted);
 *   <li>a chunk file without a published entry (published just before a crash, or an index
 *       lost) is re-hashed and adopted if it matches its name, deleted otherwise;
 *   <li>quarantined entries are kept as the record of what {@code verify} found, and not served.
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

  /**
   * Design note: with a million chunks, what an open costs is mostly the garbage collector
   * copying the objects of every entry, so published entries go straight into the table (no
   * second map of all entries) and the file walk is streamed; a flag on each table entry records
   * that its file was found.
   */
  Outcome run(long now) throws IOException {
    int staging = layout.clearStaging();
    List<Digest> misplaced = new ArrayList<>();
    index.forEach((digest, entry) -> {
      if (entry.state() != ChunkIndex.State.PUBLISHED) {
        return; // quarantined: a record, not a chunk to serve
      }
      if (entry.location().equals(StoreLayout.chunkLocation(digest))) {
        table.add(digest, entry.size(), entry.lastAccessMillis());
      } else {
        misplaced.add(digest);
      }
    });
    int adopted = 0;
    int deleted = 0;
    FileHasher hasher = new FileHasher();
    try (Stream<Path> walk = Files.walk(layout.chunksDir(), 2)) {
      for (Iterator<Path> files = walk.filter(layout::isChunkFile).iterator(); files.hasNext(); ) {
        Path file = files.next();
        Digest digest = Digest.parse(file.getFileName().toString());
        long size = Files.size(file);
        if (table.confirm(digest, size)) {
          continue;
        }
        ChunkTable.Resident wrongSize = table.remove(digest);
        if (wrongSize == null && hasher.matches(file, digest, size)) {
          index.put(digest, ChunkIndex.Entry.published(digest, size, now));
          table.add(digest, size, now);
          table.confirm(digest, size);
          adopted++;
        } else {
          log.warn("chunk store at {}: deleting chunk file {} ({} bytes): {}", layout.root(), file, size,
              wrongSize == null ? "no index entry and its bytes do not match its name"
                  : "index says " + wrongSize.size + " bytes");
          Files.deleteIfExists(file);
          if (wrongSize != null) {
            index.remove(digest);
          }
          deleted++;
        }
      }
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
    List<Digest> dropped = table.removeUnconfirmed();
    dropped.addAll(misplaced);
    index.removeAll(dropped);
    Outcome outcome = new Outcome(staging, dropped.size(), adopted, deleted);
    if (!outcome.equals(new Outcome(0, 0, 0, 0))) {
      log.warn("chunk store at {} recovered: removed {} partial writes, dropped {} index entries without a file, "
              + "adopted {} verified files without an entry, deleted {} bad files",
          layout.root(), staging, dropped.size(), adopted, deleted);
    }
    return outcome;
  }
}
