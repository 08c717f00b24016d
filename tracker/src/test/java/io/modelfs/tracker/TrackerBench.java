package io.modelfs.tracker;

import com.google.protobuf.ByteString;
import io.modelfs.core.proto.AnnounceProto;
import io.modelfs.core.proto.HeartbeatBatchProto;
import io.modelfs.core.proto.HeartbeatProto;
import io.modelfs.core.proto.PingProto;
import io.modelfs.core.proto.LeaseRequestProto;
import io.modelfs.core.proto.NeighboursRequestProto;
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
import java.util.Optional;
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
  private static final int CHUNKS_PER_SECOND = 120; // one node at 1 GB/s in 8 MiB chunks
  private static final int FLEET = 1_000;          // nodes registered for the neighbour-list row
  private static final int REPORT = 600;            // its news over a 5 s report interval (1,000 nodes)

  public static void main(String[] args) throws Exception {
    int threads = Integer.getInteger("threads", 32);
    Duration each = Duration.ofSeconds(Integer.getInteger("seconds", 5));
    Path dir = Files.createTempDirectory("tracker-bench");
    Fixtures.Model model = Fixtures.model("bench", CHUNKS);
    System.out.printf("3 replicas on loopback, %d client threads, %s per operation; model of %d chunks%n%n", threads, each, CHUNKS);
    try (TrackerCluster cluster = new TrackerCluster(dir, 3, c -> c.withElectionTimeout(Duration.ofSeconds(1))).startAll()) {
      int leader = cluster.awaitLeader(Duration.ofSeconds(60));
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
      long idle0 = cpuNanos();
      Thread.sleep(3_000);
      idleCpuMillisPerSecond = (cpuNanos() - idle0) / 1e6 / 3;
      System.out.printf("JVM CPU while idle (3 replicas, no requests): %.0f ms/s, subtracted below%n%n", idleCpuMillisPerSecond);
      System.out.println("| operation | tracker ops/s | p50 ms | p99 ms | JVM CPU ms/op above idle | baseline ops/s (in-process, 1 thread) | ratio | notes |");
      System.out.println("|---|---:|---:|---:|---:|---:|---:|---|");
      ByteString digest = ByteString.copyFrom(model.digest().toBytes());

      if (want("write")) {
        row("durable write, one log entry each (tag)", run(threads, each, (t, i) -> clients.get(t % 4).tag("bench", "t" + t, model.ref())),
            baseRun(each, i -> base.apply(entry(i, TrackerRequest.newBuilder().setTag(io.modelfs.core.proto.TagProto.newBuilder()
                .setName("bench").setTag("t" + (i % threads)).setRef(model.ref().toString())).build()))), "");
      }
      if (want("heartbeat")) {
        long entriesBefore = cluster.server(leader).commands().appliedCount();
        // A heartbeat waits for its batch (up to 200 ms plus a commit): many concurrent senders, as a fleet has.
        int senders = Integer.getInteger("heartbeatSenders", 8 * threads);
        // One Ratis client per sender, as each node has its own (senders sharing a few clients
        // measured 2x slower: they seem to queue behind each other's batch).
        List<TrackerClient> hbClients = new ArrayList<>();
        for (int i = 0; i < senders; i++) {
          hbClients.add(cluster.client());
        }
        Result hb = run(senders, each, (t, i) -> hbClients.get(t).heartbeat("node-" + (t % threads), List.of(model.digest())));
        hbClients.forEach(TrackerClient::close);
        long entries = cluster.server(leader).commands().appliedCount() - entriesBefore;
        row("durable heartbeat (coalesced by the leader)", hb,
            baseRun(each, i -> base.apply(entry(i, TrackerRequest.newBuilder().setHeartbeats(HeartbeatBatchProto.newBuilder()
                .addHeartbeats(HeartbeatProto.newBuilder().setNodeId("node-" + (i % threads)).addModels(digest))).build()))),
            String.format("%d senders for %d nodes; %,.0f log entries/s", senders, threads, entries / (each.toNanos() / 1e9)));
      }
      if (want("report")) {
        row("report: ping + " + REPORT + " HAVE/DROPPED", run(threads, each, (t, i) -> {
              List<Integer> chunks = chunks(t, i, REPORT);
              TrackerClient.Announcement a = i % 2 == 0 ? TrackerClient.Announcement.delta(model.digest(), chunks, List.of())
                  : TrackerClient.Announcement.delta(model.digest(), List.of(), chunks);
              clients.get(t % 4).report("node-" + t, null, List.of(a));
            }),
            baseRun(each, i -> base.read(TrackerRequest.newBuilder().setPing(PingProto.newBuilder().setNodeId("node-" + (i % threads))
                .addAnnounces(announce(model, chunks((int) (i % threads), i, REPORT), i % 2 == 0))).build(), 1)),
            "one node's news of " + REPORT / CHUNKS_PER_SECOND + " s at 1 GB/s");
      }
      if (want("announce")) {
        row("announce: " + CHUNKS_PER_SECOND + " HAVE/DROPPED (per model)", run(threads, each, (t, i) -> {
              List<Integer> chunks = chunks(t, i, CHUNKS_PER_SECOND);
              if (i % 2 == 0) {
                clients.get(t % 4).announceDelta("node-" + t, model.digest(), chunks, List.of());
              } else {
                clients.get(t % 4).announceDelta("node-" + t, model.digest(), List.of(), chunks);
              }
            }),
            baseRun(each, i -> base.read(TrackerRequest.newBuilder().setAnnounce(
                announce(model, chunks((int) (i % threads), i, CHUNKS_PER_SECOND), i % 2 == 0).setNodeId("node-" + (i % threads))).build(), 1)),
            "the old path: one message per model, plus a ping");
      }
      if (want("lease")) {
        long grantsBefore = cluster.server(leader).commands().counters().leaseGrants();
        Result leases = run(threads, each, (t, i) -> {
          List<Integer> want = lease(t, i);
          List<Integer> release = i == 0 ? List.of() : lease(t, i - 1);
          clients.get(t % 4).lease("node-" + t, model.digest(), want, release);
        });
        long grants = cluster.server(leader).commands().counters().leaseGrants() - grantsBefore;
        row("lease request (4 chunks, released next time)", leases,
            baseRun(each, i -> base.read(TrackerRequest.newBuilder().setLease(LeaseRequestProto.newBuilder()
                .setNodeId("node-" + (i % threads)).setModel(digest)
                .addAllChunks(lease((int) (i % threads), i / threads))
                .addAllReleased(i < threads ? List.of() : lease((int) (i % threads), i / threads - 1))).build(), 1)),
            String.format("%,.0f lease grants/s (swarm cap 64 at once)", grants / (each.toNanos() / 1e9)));
      }
      if (want("lease32")) {
        // Issue 7: a paced request gathers up to 4 x leaseBatch = 32 chunks (most answered busy or on a peer).
        long grantsBefore = cluster.server(leader).commands().counters().leaseGrants();
        Result leases = run(threads, each, (t, i) -> {
          List<Integer> want = lease(t, i, 32);
          List<Integer> release = i == 0 ? List.of() : lease(t, i - 1);
          clients.get(t % 4).lease("node-" + t, model.digest(), want, release);
        });
        long grants = cluster.server(leader).commands().counters().leaseGrants() - grantsBefore;
        row("paced lease request (32 chunks, 4 released next time)", leases,
            baseRun(each, i -> base.read(TrackerRequest.newBuilder().setLease(LeaseRequestProto.newBuilder()
                .setNodeId("node-" + (i % threads)).setModel(digest)
                .addAllChunks(lease((int) (i % threads), i / threads, 32))
                .addAllReleased(i < threads ? List.of() : lease((int) (i % threads), i / threads - 1))).build(), 1)),
            String.format("%,.0f lease grants/s (swarm cap 64 at once)", grants / (each.toNanos() / 1e9)));
      }
      if (want("lookup")) {
        row("lookup (resolve name:tag)", run(threads, each, (t, i) -> clients.get(t % 4).resolve("bench", "latest")),
            baseRun(each, i -> base.read(TrackerRequest.newBuilder().setResolve(ResolveProto.newBuilder().setName("bench")).build(), 1)), "");
      }
      if (want("neighbours")) {
        // A fleet of FLEET nodes in 4 zones, half of them holding the model (as mid-pull), so the
        // leader picks 50 of 1,000 the way it would at the scale.
        for (int i = 0; i < FLEET; i++) {
          String id = "fleet-" + i;
          c0.register(id, "10.1." + (i / 250) + "." + (i % 250) + ":7000", "z" + (i % 4), 1L << 40);
          base.apply(entry(0, TrackerCommandsTest.register(id)));
          if (i % 2 == 0) {
            TrackerClient.Announcement a = TrackerClient.Announcement.delta(model.digest(), chunks(i, 0, CHUNKS_PER_SECOND), List.of());
            clients.get(i % 4).report(id, null, List.of(a));
            base.read(TrackerRequest.newBuilder().setPing(PingProto.newBuilder().setNodeId(id)
                .addAnnounces(announce(model, chunks(i, 0, CHUNKS_PER_SECOND), true))).build(), 1);
          }
        }
        row("neighbour list (50 of " + FLEET + " nodes)", run(threads, each,
                (t, i) -> clients.get(t % 4).neighbours("fleet-" + ((t * 31 + i) % FLEET), Optional.of(model.digest()), 50)),
            baseRun(each, i -> base.read(TrackerRequest.newBuilder().setNeighbours(NeighboursRequestProto.newBuilder()
                .setNodeId("fleet-" + (i % FLEET)).setModel(digest).setLimit(50)).build(), 1)),
            "each node asks every few seconds per model");
      }
      if (want("manifest")) {
        row("manifest fetch (" + model.manifest().length / 1024 + " KiB)", run(threads, each, (t, i) -> clients.get(t % 4).manifest(model.digest())),
            baseRun(each, i -> base.read(TrackerRequest.newBuilder().setGetManifest(io.modelfs.core.proto.GetManifestProto.newBuilder()
                .setDigest(digest)).build(), 1)), "");
      }
      clients.forEach(TrackerClient::close);
    }
  }

  /** {@code n} chunks for thread {@code thread}'s {@code i}th announcement: HAVE on even i, DROPPED of the same on odd. */
  /** True if the operation is in {@code -Dops=a,b,...} (all when unset). */
  private static boolean want(String op) {
    String ops = System.getProperty("ops", "");
    return ops.isEmpty() || java.util.Arrays.asList(ops.split(",")).contains(op);
  }

  private static List<Integer> chunks(int thread, long i, int n) {
    int start = (int) ((thread * 997L + (i / 2) * n) % (CHUNKS - n));
    return IntStream.range(start, start + n).boxed().toList();
  }

  private static List<Integer> lease(int thread, long i) {
    return lease(thread, i, 4);
  }

  /** {@code n} chunks starting where the 4-chunk request of (thread, i) starts. */
  private static List<Integer> lease(int thread, long i, int n) {
    int start = (int) ((thread * 4L + i * 4L * 64) % (CHUNKS - n));
    return IntStream.range(start, start + n).boxed().toList();
  }

  private static AnnounceProto.Builder announce(Fixtures.Model model, List<Integer> chunks, boolean have) {
    AnnounceProto.Builder b = AnnounceProto.newBuilder().setModel(ByteString.copyFrom(model.digest().toBytes()));
    if (have) {
      b.addAllHave(chunks);
    } else {
      b.addAllDropped(chunks);
    }
    return b;
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

  private static double idleCpuMillisPerSecond;

  /** Throughput, latency, and the CPU the whole JVM (clients and 3 replicas) spent per operation above idle. */
  record Result(double opsPerSecond, double p50Millis, double p99Millis, double cpuMillisPerOp) {}

  private static long cpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  private static Result run(int threads, Duration d, Op op) throws InterruptedException {
    long cpu0 = cpuNanos();
    long end = System.nanoTime() + d.toNanos();
    AtomicLong count = new AtomicLong();
    List<long[]> lat = new ArrayList<>();
    List<Thread> ts = new ArrayList<>();
    AtomicLong errors = new AtomicLong();
    for (int t = 0; t < threads; t++) {
      int id = t;
      long[] samples = new long[(1 << 23) / threads]; // 64 MiB of samples in all
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
    double cpuMillis = Math.max(0, (cpuNanos() - cpu0) / 1e6 - idleCpuMillisPerSecond * d.toNanos() / 1e9);
    return new Result(count.get() / (d.toNanos() / 1e9), all[all.length / 2] / 1e6, all[(int) (all.length * 0.99)] / 1e6,
        cpuMillis / Math.max(1, count.get()));
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

  private static void row(String name, Result r, double base, String notes) {
    System.out.printf("| %s | %,.0f | %.1f | %.1f | %.2f | %,.0f | %.3f | %s |%n", name, r.opsPerSecond(), r.p50Millis(), r.p99Millis(),
        r.cpuMillisPerOp(), base, r.opsPerSecond() / base, notes);
  }
}
