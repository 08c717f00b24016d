package io.modelfs.schedule;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Fetches the scheduler cancelled (or lost with their peer) whose outcome may still arrive. Until
 * the outcome comes or {@code peerStall} passes, the same source is not asked for the same chunk
 * again, so a late outcome can never be mistaken for that of a newer fetch.
 */
final class Cancelled {
  private record Entry(Source source, long until) {}

  private final Map<ChunkId, List<Entry>> byChunk = new LinkedHashMap<>();

  void add(ChunkId chunk, Source source, long until) {
    byChunk.computeIfAbsent(chunk, k -> new ArrayList<>(2)).add(new Entry(source, until));
  }

  /** True if some cancelled fetch of {@code chunk} is remembered (from any source, maybe expired). */
  boolean any(ChunkId chunk) {
    return byChunk.containsKey(chunk);
  }

  boolean pending(ChunkId chunk, Source source, long now) {
    return until(chunk, source, now) != Long.MIN_VALUE;
  }

  /** Until when a cancelled fetch of {@code chunk} from {@code source} may still report, or Long.MIN_VALUE. */
  long until(ChunkId chunk, Source source, long now) {
    long until = Long.MIN_VALUE;
    List<Entry> l = byChunk.get(chunk);
    if (l != null) {
      for (Entry e : l) {
        if (e.source().equals(source) && e.until() > now) {
          until = Math.max(until, e.until());
        }
      }
    }
    return until;
  }

  /** An outcome arrived: true if it was that of a cancelled fetch (which is then forgotten). */
  boolean consume(ChunkId chunk, Source source) {
    List<Entry> l = byChunk.get(chunk);
    if (l == null) {
      return false;
    }
    for (Iterator<Entry> it = l.iterator(); it.hasNext(); ) {
      if (it.next().source().equals(source)) {
        it.remove();
        if (l.isEmpty()) {
          byChunk.remove(chunk);
        }
        return true;
      }
    }
    return false;
  }

  void expire(long now) {
    for (Iterator<List<Entry>> it = byChunk.values().iterator(); it.hasNext(); ) {
      List<Entry> l = it.next();
      l.removeIf(e -> e.until() <= now);
      if (l.isEmpty()) {
        it.remove();
      }
    }
  }
}
