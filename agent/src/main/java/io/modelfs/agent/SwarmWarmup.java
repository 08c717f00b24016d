package io.modelfs.agent;

import io.modelfs.core.ChunkRef;
import io.modelfs.core.Digest;
import io.modelfs.core.Durations;
import io.modelfs.core.ProcessCpu;
import io.modelfs.core.Trees;
import io.modelfs.p2p.PeerConfig;
import io.modelfs.p2p.Swarm;
import io.modelfs.p2p.SwarmKey;
import io.modelfs.store.ChunkStore;
import io.modelfs.store.FileChunkStore;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A bounded start-up warm-up of the peer transfer path: two throw-away {@link Swarm} endpoints on
 * loopback, each over a throw-away {@link FileChunkStore} in a temporary directory; one seeds
 * synthetic chunks (the store's load: staging writes hashed as they go, publish) and uploads them
 * exactly as the agent serves peers ({@link StoreChunkFiles}, {@code sendfile}); the other fetches
 * them as the {@link FetchDriver} does (a store load whose loader is a blocking
 * {@link Swarm#fetch} into the staging sink, SHA-256-verified while the bytes stream in), then
 * drops them and fetches again. So the JIT has compiled the swarm's receive and upload code, the
 * wire decoder and the staging writer (C2) before the first workload needs them.
 *
 * <p>Why: in issue 8's fan-out, 16 agents that start cold spent 3–4.6 CPU-s per GiB delivered in
 * the JIT compiler during the first workload (docs/BENCHMARKS.md, "Where a swarm agent's CPU
 * goes"); the agent's own start-up warm-ups never reach the swarm path. An agent that joins a
 * swarm starts long before models are fetched, so moving that work to start-up costs a fetch
 * nothing.
 *
 * <p>Bounded: stops at {@code budget} of wall time (counted once both endpoints are up and
 * connected: binding, the first handshake and the stores' open are start-up work) or
 * {@value #MAX_TRANSFERS} chunk transfers of {@value #CHUNK_BYTES} bytes, whichever comes first;
 * keeps at most {@value #SEED_CHUNKS} chunks on each throw-away store (2 × 16 MiB on disk); the
 * endpoints bind 127.0.0.1 port 0 (never the agent's peer port) and know no other peer. Never
 * touches a mount. Never fails the agent: any error is logged with its cause and the agent
 * starts anyway; the endpoints are closed and the temporary directory is removed in every case.
 */
public final class SwarmWarmup {
  private static final Logger log = LoggerFactory.getLogger(SwarmWarmup.class);

  static final int CHUNK_BYTES = 2 << 20;
  static final int SEED_CHUNKS = 8;
  static final int MAX_TRANSFERS = 512;
  /** How long past the budget one round of transfers may take (the first ones run interpreted). */
  private static final long ROUND_GRACE_MS = 5_000;
  /**
   * How long the set-up's steps may take: seeding a chunk, and connecting (dialled again until
   * then), also each endpoint's handshake timeout. Generous: 16 agents starting at once on 2 cores
   * (issue 8's fan-out) took longer than the swarm's 5 s handshake timeout for half of them.
   */
  private static final long CONNECT_TIMEOUT_MS = 60_000;
  private static final long REDIAL_MS = 200;
  /** Chunk {@code i} is the source's bytes from {@code i * STEP}: every chunk differs. */
  private static final int STEP = 4 << 10;
  private static final String PREFIX = "modelfs-swarm-warmup-";
  private static final String SEED_ID = "warmup-seed";

  /**
   * What the warm-up did.
   *
   * @param transfers chunks sent by the seeding endpoint and fetched, verified and published by
   *     the other
   * @param bytes their bytes
   * @param setup wall time spent opening the stores, binding, connecting and seeding (outside the
   *     budget)
   * @param wall wall time taken, set-up included
   * @param cpu the whole process's CPU time during the warm-up (all threads, the JIT's included);
   *     {@link Duration#ZERO} where the runtime does not report it
   * @param error the error that stopped it early, or null
   */
  public record Report(int transfers, long bytes, Duration setup, Duration wall, Duration cpu, String error) {}

  private SwarmWarmup() {}

  /**
   * Runs the warm-up for at most {@code budget} in a temporary directory under {@code tmpParent}
   * (both created here and removed, {@code tmpParent} when it is empty; a directory an earlier,
   * killed warm-up left there is removed first). A zero or negative budget does nothing. Logs one
   * line with what it measured and returns it; never throws.
   */
  public static Report run(Path tmpParent, Duration budget, Clock clock) {
    if (budget.isZero() || budget.isNegative()) {
      return new Report(0, 0, Duration.ZERO, Duration.ZERO, Duration.ZERO, null);
    }
    Instant start = clock.instant();
    long cpu0 = ProcessCpu.nanos();
    Path dir = null;
    int transfers = 0;
    Duration setup = Duration.ZERO;
    String error = null;
    try {
      Files.createDirectories(tmpParent);
      removeLeftovers(tmpParent);
      dir = Files.createTempDirectory(tmpParent, PREFIX);
      byte[] source = new byte[CHUNK_BYTES + SEED_CHUNKS * STEP];
      SplittableRandom random = new SplittableRandom(start.toEpochMilli());
      random.nextBytes(source);
      byte[] key = new byte[32];
      random.nextBytes(key);
      SwarmKey swarmKey = SwarmKey.of(key);
      InetSocketAddress loopback = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
      Path seedRoot = dir.resolve("seed");
      Path fetchRoot = dir.resolve("fetch");
      try (ChunkStore seedStore = FileChunkStore.open(StartupWarmup.throwAwayStore(seedRoot));
          ChunkStore fetchStore = FileChunkStore.open(StartupWarmup.throwAwayStore(fetchRoot));
          Swarm seed = Swarm.start(endpoint(SEED_ID, loopback, swarmKey), new StoreChunkFiles(seedRoot, seedStore));
          Swarm fetcher = Swarm.start(endpoint("warmup-fetch", loopback, swarmKey), d -> java.util.Optional.empty())) {
        List<ChunkRef> chunks = seed(seedStore, source);
        String peer = connect(fetcher, seed.address(), clock);
        setup = Duration.between(start, clock.instant());
        Instant deadline = clock.instant().plus(budget);
        while (transfers < MAX_TRANSFERS && clock.instant().isBefore(deadline)) {
          transfers += round(fetcher, peer, fetchStore, chunks, Durations.until(deadline, clock).toMillis() + ROUND_GRACE_MS);
          fetchStore.gc(0); // dropped, so the next round fetches them again
        }
      }
    } catch (IOException | RuntimeException | ExecutionException | TimeoutException e) {
      error = e.getClass().getSimpleName() + ": " + e.getMessage();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      error = "interrupted";
    } finally {
      Trees.deleteQuietly(dir, "swarm-path warm-up");
      try {
        Files.deleteIfExists(tmpParent); // only when empty
      } catch (IOException e) {
        // not empty, or not ours to remove: leave it
      }
    }
    Duration wall = Duration.between(start, clock.instant());
    long cpu1 = ProcessCpu.nanos();
    Duration cpu = cpu0 < 0 || cpu1 < 0 ? Duration.ZERO : Duration.ofNanos(cpu1 - cpu0);
    Report report = new Report(transfers, (long) transfers * CHUNK_BYTES, setup, wall, cpu, error);
    if (error == null) {
      log.info("swarm-path warm-up: {} chunks of {} KiB sent by a loopback peer, fetched, verified and stored in {} ms"
          + " wall ({} ms of it opening the throw-away stores and endpoints and seeding them), {} ms CPU (all"
          + " threads) (--warmup 0 turns this off)", transfers, CHUNK_BYTES >> 10, wall.toMillis(), setup.toMillis(),
          cpu.toMillis());
    } else {
      log.warn("swarm-path warm-up stopped after {} chunk transfers and {} ms: {}; the agent starts anyway (its first"
          + " peer fetches may be slower)", transfers, wall.toMillis(), error);
    }
    return report;
  }

  /** The swarm's defaults, with a handshake timeout for a loaded machine. */
  private static PeerConfig endpoint(String id, InetSocketAddress listen, SwarmKey key) {
    PeerConfig d = PeerConfig.of(id, listen, key);
    return d.withTimeouts(d.requestTimeout(), d.idleTimeout(), Duration.ofMillis(CONNECT_TIMEOUT_MS));
  }

  /**
   * Dials {@code seed} until a handshake succeeds or {@value #CONNECT_TIMEOUT_MS} ms have passed;
   * returns the seed's node id, or throws the last failure.
   */
  private static String connect(Swarm fetcher, InetSocketAddress seed, Clock clock)
      throws InterruptedException, ExecutionException, TimeoutException {
    Instant deadline = clock.instant().plusMillis(CONNECT_TIMEOUT_MS);
    while (true) {
      try {
        return fetcher.connect(seed).get(Math.max(1, Durations.until(deadline, clock).toMillis()), TimeUnit.MILLISECONDS);
      } catch (ExecutionException e) {
        if (Durations.until(deadline, clock).toMillis() <= REDIAL_MS) {
          throw e;
        }
        Thread.sleep(REDIAL_MS);
      }
    }
  }

  /** Loads {@value #SEED_CHUNKS} distinct chunks from {@code source} into the seeding store. */
  private static List<ChunkRef> seed(ChunkStore store, byte[] source)
      throws InterruptedException, ExecutionException, TimeoutException {
    List<ChunkRef> chunks = new ArrayList<>();
    for (int i = 0; i < SEED_CHUNKS; i++) {
      int from = i * STEP;
      ChunkRef ref = new ChunkRef(Digest.sha256(ByteBuffer.wrap(source, from, CHUNK_BYTES)), CHUNK_BYTES);
      store.ensure(ref, ChunkStore.Priority.FOREGROUND, "swarm-path warm-up seed", (c, sink) -> {
        ByteBuffer bytes = ByteBuffer.wrap(source, from, CHUNK_BYTES);
        while (bytes.hasRemaining()) {
          sink.write(bytes);
        }
      }).get(CONNECT_TIMEOUT_MS, TimeUnit.MILLISECONDS);
      chunks.add(ref);
    }
    return chunks;
  }

  /**
   * Fetches every chunk from {@code peer} into {@code store} at once (as many at a time as the
   * store's fetch threads), as the {@link FetchDriver} does; returns how many were published.
   */
  private static int round(Swarm fetcher, String peer, ChunkStore store, List<ChunkRef> chunks, long timeoutMs)
      throws InterruptedException, ExecutionException, TimeoutException {
    List<CompletableFuture<Void>> loads = new ArrayList<>();
    for (ChunkRef ref : chunks) {
      loads.add(store.ensure(ref, ChunkStore.Priority.PREFETCH, "swarm-path warm-up peer " + peer,
          (c, sink) -> fetcher.fetch(peer, c, 0, c.size(), Cancellable.sink(sink, () -> false))));
    }
    CompletableFuture.allOf(loads.toArray(CompletableFuture[]::new)).get(timeoutMs, TimeUnit.MILLISECONDS);
    return loads.size();
  }

  private static void removeLeftovers(Path tmpParent) throws IOException {
    try (DirectoryStream<Path> old = Files.newDirectoryStream(tmpParent, PREFIX + "*")) {
      for (Path p : old) {
        log.info("swarm-path warm-up: removing {}, left by an earlier warm-up", p);
        Trees.deleteQuietly(p, "swarm-path warm-up");
      }
    }
  }
}
