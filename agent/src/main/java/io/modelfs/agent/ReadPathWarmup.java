package io.modelfs.agent;

import io.modelfs.agent.metrics.AgentMetrics;
import io.modelfs.core.ChunkRef;
import io.modelfs.core.Digest;
import io.modelfs.core.FileEntry;
import io.modelfs.core.Manifest;
import io.modelfs.core.ModelRef;
import io.modelfs.fuse.FuseListener;
import io.modelfs.fuse.FuseWarmup;
import io.modelfs.fuse.ModelContent;
import io.modelfs.schedule.SchedulerConfig;
import io.modelfs.store.ChunkStore;
import io.modelfs.store.FileChunkStore;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The start-up warm-up of a warm read's whole path: {@link FuseWarmup} over a model whose bytes
 * are in a throw-away {@link FileChunkStore}, served by the agent's own {@link StoredModel} (pin,
 * local check, the store's read through its open-file cache, readahead's page-cache hint) with
 * the agent's kinds of metrics and FUSE listener — so that what a loader's first read of a local
 * model runs is C2-compiled, with the type profiles the real mount will see, before the agent
 * mounts.
 *
 * <p>Why: the FUSE warm-up over its built-in model reached the callback but not the agent's
 * side of it, and the store-side warm-up ({@link StartupWarmup}) reached the store's read only
 * ~1,000 times: a fresh agent's first warm GiB still cost 1.29 agent CPU-s against 0.70 for the
 * same agent's 4th pass (docs/BENCHMARKS.md, issue 5).
 *
 * <p>Bounded: {@code budget} of wall time (set-up included; see {@link FuseWarmup} for when it
 * stops early); {@value #DISTINCT_CHUNKS} chunks of {@value #CHUNK_BYTES} bytes on disk, which
 * the model's file repeats to {@value #FILE_CHUNKS} chunks; no network (the fetch driver has no
 * swarm and is never asked: every chunk is local). Never throws; logs one line.
 */
public final class ReadPathWarmup {
  static final int CHUNK_BYTES = 1 << 20;
  /** Chunks on disk: a few, so the open-file cache and the store's table see more than one. */
  static final int DISTINCT_CHUNKS = 4;
  /** The file's chunks: 32 MiB, a batch of {@link FuseWarmup}'s reads per pass. */
  static final int FILE_CHUNKS = 32;
  static final String FILE = "warmup.bin";
  private static final long STORE_SECONDS = 30;

  private ReadPathWarmup() {}

  /**
   * Runs the warm-up in a temporary directory under {@code tmpParent} for at most {@code budget};
   * a zero or negative budget does nothing. Returns what {@link FuseWarmup} reports; never throws.
   */
  public static FuseWarmup.Report run(Path tmpParent, Duration budget, Clock clock) {
    return FuseWarmup.run(tmpParent, budget, clock, (scratch, seed) -> StoreModel.open(scratch, seed, clock));
  }

  /** The throw-away store, its model and the agent's kinds of metrics; closed after the unmount. */
  private static final class StoreModel implements FuseWarmup.Model {
    private final ChunkStore store;
    private final FetchDriver driver;
    private final AgentMetrics metrics;
    private final StoredModel content;

    private StoreModel(ChunkStore store, FetchDriver driver, AgentMetrics metrics, StoredModel content) {
      this.store = store;
      this.driver = driver;
      this.metrics = metrics;
      this.content = content;
    }

    static StoreModel open(Path scratch, long seed, Clock clock) throws IOException {
      ChunkStore store = FileChunkStore.open(StartupWarmup.throwAwayStore(scratch));
      FetchDriver driver = null;
      AgentMetrics metrics = null;
      try {
        List<Digest> distinct = fill(store, seed);
        List<Digest> chunks = new ArrayList<>(FILE_CHUNKS);
        for (int i = 0; i < FILE_CHUNKS; i++) {
          chunks.add(distinct.get(i % DISTINCT_CHUNKS));
        }
        Manifest manifest = Manifest.of("modelfs-warmup", CHUNK_BYTES,
            List.of(new FileEntry(FILE, (long) FILE_CHUNKS * CHUNK_BYTES, 0644, chunks)));
        // Any well-formed ref will do: only the throw-away mount's catalog ever sees it.
        ModelRef ref = new ModelRef("modelfs-warmup", distinct.get(0));
        driver = new FetchDriver("warmup", SchedulerConfig.defaults(), store, SwarmLink.NONE);
        metrics = AgentMetrics.start(clock);
        StoredModel content = new StoredModel(new ModelChunks(ref, manifest), store, driver, metrics,
            Duration.ofSeconds(STORE_SECONDS));
        return new StoreModel(store, driver, metrics, content);
      } catch (IOException | RuntimeException e) {
        closeAll(store, driver, metrics);
        throw e;
      }
    }

    /** Stores {@value #DISTINCT_CHUNKS} chunks of random bytes; returns their digests. */
    private static List<Digest> fill(ChunkStore store, long seed) throws IOException {
      SplittableRandom random = new SplittableRandom(seed);
      List<Digest> digests = new ArrayList<>();
      for (int i = 0; i < DISTINCT_CHUNKS; i++) {
        byte[] bytes = new byte[CHUNK_BYTES];
        random.nextBytes(bytes);
        Digest digest = Digest.sha256(bytes);
        try {
          store.ensure(new ChunkRef(digest, CHUNK_BYTES), ChunkStore.Priority.FOREGROUND, "read-path warm-up",
              (chunk, sink) -> {
                ByteBuffer b = ByteBuffer.wrap(bytes);
                while (b.hasRemaining()) {
                  sink.write(b);
                }
              }).get(STORE_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
          throw new IOException("read-path warm-up could not store chunk " + digest.shortHex() + ": " + e, e);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IOException("read-path warm-up interrupted while storing its chunks", e);
        }
        digests.add(digest);
      }
      return digests;
    }

    @Override
    public ModelContent content() {
      return content;
    }

    @Override
    public FuseListener listener() {
      return metrics.fuseListener();
    }

    @Override
    public void close() throws IOException {
      closeAll(store, driver, metrics);
    }

    private static void closeAll(ChunkStore store, FetchDriver driver, AgentMetrics metrics) throws IOException {
      if (metrics != null) {
        metrics.close();
      }
      if (driver != null) {
        driver.close();
      }
      store.close();
    }
  }
}
