package io.modelfs.fuse;

/**
 * Sequential-access detection for one open file. A reader whose reads keep starting near where
 * the previous ones ended (the first read: near offset 0) is sequential and will soon want the
 * chunks after the one it is in: the next {@code window} of them are asked for, each once while
 * the run lasts. A read anywhere else ends the run and asks for nothing, so random readers (a
 * loader jumping between tensors) cause no extra fetches. Thread-safe.
 *
 * <p>"Near" is within a tolerance either way, not "exactly at": the kernel's asynchronous
 * readahead sends several reads of one sequential reader at once (up to its readahead window),
 * and the multi-threaded FUSE loop hands them to us in any order. The tolerance is therefore
 * at least the kernel's window ({@link #tolerance}).
 */
final class Readahead {
  /** Eight reads of {@link FuseMount#MAX_READ}: the least tolerance, whatever the kernel window. */
  static final long REORDER_TOLERANCE = 8L * FuseMount.MAX_READ;

  /** Chunks {@code first .. first + count - 1} to prefetch; {@code count} may be 0. */
  record Span(int first, int count) {
    static final Span NONE = new Span(0, 0);
  }

  private final int window;
  private final long tolerance;
  private final int chunkSize;
  private final long chunkCount;
  private long runEnd;
  private long prefetchedThrough = -1;

  Readahead(int window, long tolerance, int chunkSize, long chunkCount) {
    this.window = window;
    this.tolerance = tolerance;
    this.chunkSize = chunkSize;
    this.chunkCount = chunkCount;
  }

  /** How far from the run's end a read may start and still count as sequential under {@code config}. */
  static long tolerance(MountConfig config) {
    return Math.max(REORDER_TOLERANCE, config.kernelReadaheadKb() * 1024L);
  }

  /** Records a read of bytes {@code [offset, end)} and returns the chunks to prefetch for it. */
  synchronized Span onRead(long offset, long end) {
    boolean sequential = Math.abs(offset - runEnd) <= tolerance;
    if (!sequential || end <= offset) {
      runEnd = end;
      prefetchedThrough = -1;
      return Span.NONE;
    }
    runEnd = Math.max(runEnd, end);
    if (window == 0) {
      return Span.NONE;
    }
    long current = (runEnd - 1) / chunkSize;
    long first = Math.max(current + 1, prefetchedThrough + 1);
    long last = Math.min(current + window, chunkCount - 1);
    if (first > last) {
      return Span.NONE;
    }
    prefetchedThrough = last;
    return new Span((int) first, (int) (last - first + 1));
  }
}
