package io.modelfs.agent.metrics;

import java.time.Duration;

/**
 * What the data path tells the metrics: chunks fetched (from the origin now, from peers once the
 * swarm fetches), bytes read locally and bytes uploaded. The fetch path calls it once per
 * loader run, never for a caller that joined a load already running, so each chunk counts once.
 *
 * <p>Thread-safety: implementations are called from fetch, FUSE and peer threads at once; they
 * must not block and must not throw.
 */
public interface FetchMetrics {
  /** Records nothing: for tests and tools that run the data path without an agent. */
  FetchMetrics NONE = new FetchMetrics() {
    @Override
    public void fetched(Source source, long bytes, Duration took) {}

    @Override
    public void fetchFailed(Source source, boolean corrupt, Duration took) {}

    @Override
    public void servedLocally(long bytes) {}

    @Override
    public void uploaded(long bytes) {}
  };

  /** A chunk of {@code bytes} came from {@code source}, matched its digest and was stored. */
  void fetched(Source source, long bytes, Duration took);

  /**
   * A fetch from {@code source} failed: {@code corrupt} if the bytes arrived but did not match
   * the chunk's digest (nothing was stored), otherwise the source or the disk failed.
   */
  void fetchFailed(Source source, boolean corrupt, Duration took);

  /** A read through the mount returned {@code bytes} of chunks that were already local. */
  void servedLocally(long bytes);

  /** One upload of {@code bytes} (a chunk or a range of one) went to a peer. */
  void uploaded(long bytes);
}
