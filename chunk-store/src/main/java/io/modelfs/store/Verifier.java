package io.modelfs.store;

import io.modelfs.core.Digest;
import io.modelfs.store.ChunkStore.VerifyReport;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link ChunkStore#verify}: re-hashes chunk files. A file that no longer matches (bit rot, a
 * stray write) or is gone is taken out of the store — moved to {@code quarantine/} for
 * inspection, its index entry marked {@link ChunkIndex.State#QUARANTINED} with the file's new
 * place, listeners told — so the next read fetches it again (and that publish replaces the entry).
 */
final class Verifier {
  private static final Logger log = LoggerFactory.getLogger(Verifier.class);

  private final StoreLayout layout;
  private final ChunkTable table;
  private final ChunkIndex index;
  private final OpenFileCache files;
  private final Evictor evictor;
  private final StoreCounters counters;
  private final Clock clock;

  Verifier(StoreLayout layout, ChunkTable table, ChunkIndex index, OpenFileCache files, Evictor evictor,
      StoreCounters counters, Clock clock) {
    this.layout = layout;
    this.table = table;
    this.index = index;
    this.files = files;
    this.evictor = evictor;
    this.counters = counters;
    this.clock = clock;
  }

  VerifyReport verify(Collection<Digest> only) throws IOException {
    Map<Digest, Long> sizes = table.sizes();
    Collection<Digest> wanted = only.isEmpty() ? sizes.keySet() : only;
    FileHasher hasher = new FileHasher();
    long checked = 0;
    long bytes = 0;
    List<Digest> corrupt = new ArrayList<>();
    for (Digest digest : wanted) {
      Long size = sizes.get(digest);
      if (size == null) {
        continue; // not stored: nothing to verify
      }
      Path file = layout.chunkPath(digest);
      boolean good;
      try {
        good = hasher.matches(file, digest, size);
      } catch (NoSuchFileException e) {
        good = false;
      }
      checked++;
      bytes += size;
      if (!good) {
        corrupt.add(digest);
        quarantine(digest, size, file);
      }
    }
    return new VerifyReport(checked, bytes, corrupt);
  }

  private void quarantine(Digest digest, long size, Path file) throws IOException {
    counters.verificationFailed();
    if (table.remove(digest) == null) {
      return; // evicted while it was being checked
    }
    files.forget(digest);
    long now = clock.millis();
    Path kept = layout.quarantinePath(digest, now);
    try {
      Files.move(file, kept, StandardCopyOption.REPLACE_EXISTING);
      index.put(digest, new ChunkIndex.Entry(ChunkIndex.State.QUARANTINED, layout.location(kept), size, now));
      log.error("chunk store at {}: chunk {} failed verification; moved its file to {}", layout.root(), digest, kept);
    } catch (NoSuchFileException e) {
      index.remove(digest);
      log.error("chunk store at {}: file of chunk {} is missing; dropped it", layout.root(), digest);
    }
    evictor.notifyListeners(digest, size);
  }
}
