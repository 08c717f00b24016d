package io.modelfs.tracker;

import com.google.protobuf.ByteString;
import io.modelfs.core.proto.AnnounceProto;
import io.modelfs.core.proto.HeartbeatProto;
import io.modelfs.core.proto.LeaseRequestProto;
import io.modelfs.core.proto.ResolveProto;
import io.modelfs.core.proto.TrackerLogEntry;
import io.modelfs.core.proto.TrackerRequest;
import io.modelfs.schedule.lease.LeasePolicy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;

/**
 * Tracker throughput and latency: a 3-replica group in this JVM on loopback, driven by
 * {@code THREADS} client threads for {@code SECONDS} per operation, against a baseline of the
 * same operations on {@link TrackerCommands} in process (no Raft, no network). Prints a
 * markdown table. Run by {@code bench/tracker-bench.sh}.
 */
public final class TrackerBench {
  private static final int CHUNKS = 16_690; // a 140 GB model in 8 MiB chunks
  private static final int BATCH = 100;     // chunk indices per announcement

  public static void main(String[] args) throws Exception {
    int threads = Integer.getInteger("threads", 32);
    Duration each = Duration.ofSeconds(Integer.getInteger("seconds", 5));
    Path dir = Files.createTempDirectory("tracker-bench");
    Fixtures.Model model = Fixtures.model("bench", CHUNKS);
    System.out.printf("3 replicas on loopback, %d client threads, %s per operation; model of %d chunks%n%n", threads, each, CHUNKS);
    System.out.println("| operation | tracker ops/s | p50 ms | p99 ms | baseline ops/s (in-process, 1 thread) | ratio |");
    System.out.println("|---|---:|---:|---:|---:|---:|");
    try (TrackerCluster cluster = new TrackerCluster(dir, 3, c -> c.withElectionTimeout(Duration.ofSeconds(1))).startAll()) {
      cluster.awaitLeader(Duration.ofSeconds(60));
      List<TrackerClient> clients = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        clients.add(cluster.client());
      }
      TrackerClient c0 = clients.get(0);
      c0.publish(model.ref(), model.manifest(), model.sources());
      c0.tag("bench", "latest", model.ref());
      for (int i = 0; i < threads; i++) {
        c0.register("node-" + i, "10.0.0.1:" + (7000 + i), "z", 1L << 40);
      }
      TrackerCommands base = baseline(model, threads);

      row("durable write (heartbeat)", run(threads, each, (t, i) -> clients.get(t % 4).heartbeat("node-" + t, List.of(model.digest()))),
          baseRun(each, i -> base.apply(entry(i, TrackerRequest.newBuilder().setHeartbeat(HeartbeatProto.newBuilder()
              .setNodeId("node-" + (i % threads)).addModels(ByteString.copyFrom(model.digest().toBytes()))).build()))));
      row("availability delta (" + BATCH + " chunks)", run(threads, each, (t, i) -> {
            List<Integer> batch = batch(t, i);
            if (i % 2 == 0) {
              clients.get(t % 4).announceDelta("node-" + t, model.digest(), batch, List.of());
            } else {
              clients.get(t % 4).announceDelta("node-" + t, model.digest(), List.of(), batch);
            }
          }),
          baseRun(each, i -> base.read(announce(model, "node-" + (i % threads), batch((int) (i % threads), i), i % 2 == 0), 1)));
      row("lease request (4 chunks, released next time)", run(threads, each, (t, i) -> {
            List<Integer> want = lease(t, i);
            List<Integer> release = i == 0 ? List.of() : lease(t, i - 1);
            clients.get(t % 4).lease("node-" + t, model.digest(), want, release);
          }),
          baseRun(each, i -> base.read(TrackerRequest.newBuilder().setLease(LeaseRequestProto.newBuilder()
              .setNodeId("node-" + (i % threads)).setModel(ByteString.copyFrom(model.digest().toBytes()))
              .addAllChunks(lease((int) (i % threads), i / threads))
              .addAllReleased(i < threads ? List.of() : lease((int) (i % threads), i / threads - 1))).build(), 1)));
      row("lookup (resolve name:tag)", run(threads, each, (t, i) -> clients.get(t % 4).resolve("bench", "latest")),
          baseRun(each, i -> base.read(TrackerRequest.newBuilder().setResolve(ResolveProto.newBuilder().setName("bench")).build(), 1)));
      row("manifest fetch (" + model.manifest().length / 1024 + " KiB)", run(threads, each, (t, i) -> clients.get(t % 4).manifest(model.digest())),
          baseRun(each, i -> base.read(TrackerRequest.newBuilder().setGetManifest(io.modelfs.core.proto.GetManifestProto.newBuilder()
              .setDigest(ByteString.copyFrom(model.digest().toBytes()))).build(), 1)));
      clients.forEach(TrackerClient::close);
    }
  }

  private static List<Integer> batch(int thread, long i) {
    int start = (int) ((thread * 997L + (i / 2) * BATCH) % (CHUNKS - BATCH));
    return IntStream.range(start, start + BATCH).boxed().toList();
  }

  private static List<Integer> lease(int thread, long i) {
    int start = (int) ((thread * 4L + i * 4L * 64) % (CHUNKS - 4));
    return IntStream.range(start, start + 4).boxed().toList();
  }

  private static TrackerRequest announce(Fixtures.Model model, String node, List<Integer> chunks, boolean have) {
    AnnounceProto.Builder b = AnnounceProto.newBuilder().setNodeId(node).setModel(ByteString.copyFrom(model.digest().toBytes()));
    if (have) {
      b.addAllHave(chunks);
    } else {
      b.addAllDropped(chunks);
    }
    return TrackerRequest.newBuilder().setAnnounce(b).build();
  }

  private static TrackerLogEntry entry(long time, TrackerRequest r) {
    return TrackerLogEntry.newBuilder().setTimeMillis(time).setCommand(r).build();
  }

  private static TrackerCommands baseline(Fixtures.Model model, int nodes) {
    TrackerCommands c = new TrackerCommands(new RegistryLimits(3_600_000, 3_600_000, 10_000, 10_000, 8 << 20),
        new LeasePolicy(10_000, 1 << 20, 4), Clock.systemUTC());
    c.apply(entry(0, TrackerCommandsTest.publish(model)));
    for (int i = 0; i < nodes; i++) {
      c.apply(entry(0, TrackerCommandsTest.register("node-" + i)));
    }
    return c;
  }

  interface Op {
    void run(int thread, long i) throws Exception;
  }

  interface BaseOp {
    void run(long i) throws Exception;
  }

  record Result(double opsPerSecond, double p50Millis, double p99Millis) {}

  private static Result run(int threads, Duration d, Op op) throws InterruptedException {
    long end = System.nanoTime() + d.toNanos();
    AtomicLong count = new AtomicLong();
    List<long[]> lat = new ArrayList<>();
    List<Thread> ts = new ArrayList<>();
    AtomicLong errors = new AtomicLong();
    for (int t = 0; t < threads; t++) {
      int id = t;
      long[] samples = new long[1 << 20];
      lat.add(samples);
      Thread th = new Thread(() -> {
        long i = 0;
        while (System.nanoTime() < end) {
          long t0 = System.nanoTime();
          try {
            op.run(id, i);
          } catch (Exception e) {
            if (errors.incrementAndGet() == 1) {
              System.err.println("bench op failed: " + e);
            }
          }
          if (i < samples.length) {
            samples[(int) i] = System.nanoTime() - t0;
          }
          i++;
        }
        samples[samples.length - 1] = i;
        count.addAndGet(i);
      });
      ts.add(th);
      th.start();
    }
    for (Thread th : ts) {
      th.join();
    }
    long n = 0;
    for (long[] s : lat) {
      n += Math.min(s[s.length - 1], s.length - 1);
    }
    long[] all = new long[(int) n];
    int k = 0;
    for (long[] s : lat) {
      int m = (int) Math.min(s[s.length - 1], s.length - 1);
      System.arraycopy(s, 0, all, k, m);
      k += m;
    }
    Arrays.sort(all);
    if (errors.get() > 0) {
      System.err.println(errors.get() + " operations failed");
    }
    return new Result(count.get() / (d.toNanos() / 1e9), all[all.length / 2] / 1e6, all[(int) (all.length * 0.99)] / 1e6);
  }

  private static double baseRun(Duration d, BaseOp op) throws Exception {
    long end = System.nanoTime() + d.toNanos();
    long i = 0;
    long t0 = System.nanoTime();
    while (System.nanoTime() < end) {
      op.run(i++);
    }
    return i / ((System.nanoTime() - t0) / 1e9);
  }

  private static void row(String name, Result r, double base) {
    System.out.printf("| %s | %,.0f | %.1f | %.1f | %,.0f | %.3f |%n", name, r.opsPerSecond(), r.p50Millis(), r.p99Millis(), base,
        r.opsPerSecond() / base);
  }
}
