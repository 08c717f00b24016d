package io.modelfs.tracker;

import io.modelfs.core.proto.Traffic;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * One node's traffic as its pings report it to the leader: the cumulative counters (bytes
 * delivered by source local / peer / origin, bytes and chunks uploaded) and rates derived from
 * the samples of the last {@link #WINDOW_MILLIS}. Soft state: never in the log, lost with the
 * term, rebuilt by the next pings.
 *
 * <p>A counter that goes backwards means the agent restarted: the window starts again from that
 * sample (the first rate after a restart is zero, not negative). Rates are zero when the newest
 * sample is older than {@link #WINDOW_MILLIS} or three of the node's last report intervals,
 * whichever is longer (the node stopped reporting; large swarms report less often than once a
 * second), or there is only one sample; with reports further apart than the window, the rate
 * spans the last two. At most {@link #MAX_SAMPLES} samples are kept. Not thread-safe: {@link SwarmState}
 * owns it under its lock.
 */
final class TrafficSamples {
  static final long WINDOW_MILLIS = 10_000;
  static final int MAX_SAMPLES = 32;

  private record Sample(long millis, Traffic counters) {}

  private final Deque<Sample> samples = new ArrayDeque<>();

  /** Records the counters {@code t} (rates ignored) reported at {@code nowMillis}. */
  void report(Traffic t, long nowMillis) {
    Traffic counters = Traffic.newBuilder().setLocalBytes(t.getLocalBytes()).setPeerBytes(t.getPeerBytes())
        .setOriginBytes(t.getOriginBytes()).setUploadedBytes(t.getUploadedBytes())
        .setUploadedChunks(t.getUploadedChunks()).build();
    Sample last = samples.peekLast();
    if (last != null && (wentBack(last.counters(), counters) || nowMillis < last.millis())) {
      samples.clear();
    }
    samples.addLast(new Sample(nowMillis, counters));
    while (samples.size() > MAX_SAMPLES
        || (samples.size() > 2 && nowMillis - samples.peekFirst().millis() > WINDOW_MILLIS)) {
      samples.removeFirst();
    }
  }

  /** The last counters with the rates over the window at {@code nowMillis}; empty if never reported. */
  Traffic current(long nowMillis) {
    Sample last = samples.peekLast();
    if (last == null) {
      return Traffic.getDefaultInstance();
    }
    Sample first = samples.peekFirst();
    long dt = last.millis() - first.millis();
    long interval = samples.size() < 2 ? 0 : last.millis() - previous().millis();
    if (dt <= 0 || nowMillis - last.millis() > Math.max(WINDOW_MILLIS, 3 * interval)) {
      return last.counters();
    }
    Traffic a = first.counters();
    Traffic b = last.counters();
    double s = dt / 1000.0;
    return b.toBuilder()
        .setLocalBytesPerSecond((b.getLocalBytes() - a.getLocalBytes()) / s)
        .setPeerBytesPerSecond((b.getPeerBytes() - a.getPeerBytes()) / s)
        .setOriginBytesPerSecond((b.getOriginBytes() - a.getOriginBytes()) / s)
        .setUploadedBytesPerSecond((b.getUploadedBytes() - a.getUploadedBytes()) / s)
        .build();
  }

  private Sample previous() {
    var it = samples.descendingIterator();
    it.next();
    return it.next();
  }

  /** The sum of {@code a} and {@code b}, counters and rates. */
  static Traffic plus(Traffic a, Traffic b) {
    return Traffic.newBuilder()
        .setLocalBytes(a.getLocalBytes() + b.getLocalBytes())
        .setPeerBytes(a.getPeerBytes() + b.getPeerBytes())
        .setOriginBytes(a.getOriginBytes() + b.getOriginBytes())
        .setUploadedBytes(a.getUploadedBytes() + b.getUploadedBytes())
        .setUploadedChunks(a.getUploadedChunks() + b.getUploadedChunks())
        .setLocalBytesPerSecond(a.getLocalBytesPerSecond() + b.getLocalBytesPerSecond())
        .setPeerBytesPerSecond(a.getPeerBytesPerSecond() + b.getPeerBytesPerSecond())
        .setOriginBytesPerSecond(a.getOriginBytesPerSecond() + b.getOriginBytesPerSecond())
        .setUploadedBytesPerSecond(a.getUploadedBytesPerSecond() + b.getUploadedBytesPerSecond())
        .build();
  }

  private static boolean wentBack(Traffic before, Traffic now) {
    return Long.compareUnsigned(now.getLocalBytes(), before.getLocalBytes()) < 0
        || Long.compareUnsigned(now.getPeerBytes(), before.getPeerBytes()) < 0
        || Long.compareUnsigned(now.getOriginBytes(), before.getOriginBytes()) < 0
        || Long.compareUnsigned(now.getUploadedBytes(), before.getUploadedBytes()) < 0;
  }
}
