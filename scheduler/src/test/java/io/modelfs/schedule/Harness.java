package io.modelfs.schedule;

import io.modelfs.core.Digest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;

/**
 * One scheduler under test: a hand-moved ticker and an {@link Actions} that records every command
 * as a line ("peer p1 #3", "origin #3 leased", "lease [0, 1] release []", "cancel peer p1 #3").
 */
final class Harness {
  static final Digest MODEL = Digest.sha256("model".getBytes(StandardCharsets.UTF_8));
  static final Digest OTHER = Digest.sha256("other".getBytes(StandardCharsets.UTF_8));
  static final long MIB = 1 << 20;

  long now = 1_000_000_000L;
  final List<String> log = new ArrayList<>();
  final SwarmScheduler s;

  Harness(SchedulerConfig config, boolean tracker) {
    s = new SwarmScheduler("self", config, () -> now, new Recorder(), tracker);
  }

  /** A config with the given caps, 10 s stall, 2 s lease wait, batch 8, no endgame, no pacing. */
  static SchedulerConfig caps(int maxDownloads, int maxPerPeer, int maxOrigin) {
    return new SchedulerConfig(maxDownloads, maxPerPeer, maxOrigin, 0, 4, 0, Duration.ofSeconds(10),
        Duration.ofSeconds(2), 8, 0, 0);
  }

  Harness open(Digest model, int chunks, int... held) {
    long[] sizes = new long[chunks];
    Arrays.fill(sizes, MIB);
    BitSet b = new BitSet();
    for (int i : held) {
      b.set(i);
    }
    s.open(model, sizes, b);
    return this;
  }

  static ChunkId c(int i) {
    return new ChunkId(MODEL, i);
  }

  /** The peer holds every listed chunk of MODEL. */
  void peerHas(String peer, int... chunks) {
    BitSet b = new BitSet();
    for (int i : chunks) {
      b.set(i);
    }
    s.have(peer, MODEL, b);
  }

  static int[] range(int from, int to) {
    int[] r = new int[to - from];
    for (int i = from; i < to; i++) {
      r[i - from] = i;
    }
    return r;
  }

  /** The chunk a recorded command names. */
  static ChunkId chunkOf(String cmd) {
    String rest = cmd.substring(cmd.indexOf('#') + 1);
    String[] parts = rest.split(" ");
    Digest model = rest.contains(" of ") ? OTHER : MODEL;
    return new ChunkId(model, Integer.parseInt(parts[0]));
  }

  /** The source a recorded fetch command names. */
  static Source sourceOf(String cmd) {
    return cmd.startsWith("peer ") ? Source.peer(cmd.split(" ")[1]) : Source.ORIGIN;
  }

  /** The commands since the last call. */
  List<String> take() {
    List<String> out = List.copyOf(log);
    log.clear();
    return out;
  }

  void advance(Duration d) {
    now += d.toNanos();
    s.tick();
  }

  private final class Recorder implements Actions {
    @Override
    public void fetchFromPeer(String peer, ChunkId chunk) {
      log.add("peer " + peer + " #" + chunk.index() + model(chunk.model()));
    }

    @Override
    public void fetchFromOrigin(ChunkId chunk, boolean leased) {
      log.add("origin #" + chunk.index() + model(chunk.model()) + (leased ? " leased" : " unleased"));
    }

    @Override
    public void requestLeases(Digest model, List<Integer> chunks, List<Integer> released) {
      log.add("lease " + chunks + " release " + released + model(model));
    }

    @Override
    public void requestLeases(Digest model, List<Integer> chunks, List<Integer> unreachable, List<Integer> released) {
      log.add("lease " + chunks + (unreachable.isEmpty() ? "" : " unreachable " + unreachable) + " release " + released
          + model(model));
    }

    @Override
    public void cancel(Source from, ChunkId chunk) {
      log.add("cancel " + from + " #" + chunk.index() + model(chunk.model()));
    }

    private String model(Digest d) {
      return d.equals(MODEL) ? "" : " of " + d.shortHex();
    }
  }
}
