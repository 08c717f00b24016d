package io.modelfs.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.modelfs.core.Digest;
import io.modelfs.core.ModelRef;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The tracker leader killed with {@code kill -9} while agents read: three tracker replicas as
 * separate processes ({@code modelfs tracker}), two agents that know models only through the
 * tracker (their manifests location is empty), readers running through both mounts, the origin
 * paced so the reads are in flight. The readers finish with the exact bytes, the survivors elect
 * a new leader, every acknowledged write (publish and tag) is still there and the group takes new
 * ones, and the killed replica, restarted on its data directory, catches up with the log.
 */
class TrackerFaultsIT {
  private static final Logger log = LoggerFactory.getLogger(TrackerFaultsIT.class);
  private static final int MIB = 1 << 20;
  private static final Pattern TERM = Pattern.compile("\"term\": (\\d+)");
  private static final Pattern COMMIT = Pattern.compile("\"commitIndex\": (-?\\d+)");
  private static final Pattern APPLIED = Pattern.compile("\"appliedIndex\": (-?\\d+)");

  @TempDir Path tmp;
  private Modelfs modelfs;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  @AfterEach
  void stopAll() throws Exception {
    if (modelfs != null) {
      modelfs.close();
    }
  }

  /** One tracker replica process and its HTTP status port. */
  private record Replica(String id, Path data, int httpPort, Process[] process) {}

  @Test
  void theLeaderKilledWhileAgentsReadLosesNothingAndTheRestartedReplicaCatchesUp() throws Exception {
    modelfs = new Modelfs(tmp);
    byte[] weights = new byte[12 * MIB + 321];
    new Random(12).nextBytes(weights);
    Path model = Files.createDirectories(tmp.resolve("origin/model"));
    Files.write(model.resolve("weights.bin"), weights);
    int originPort = Modelfs.freePort();
    modelfs.start(new ProcessBuilder("python3", Path.of("local/origin.py").toAbsolutePath().toString(),
        tmp.resolve("origin").toString(), "127.0.0.1", Integer.toString(originPort)).redirectErrorStream(true)
        .redirectOutput(tmp.resolve("origin.log").toFile()));

    List<Replica> replicas = new ArrayList<>();
    StringBuilder group = new StringBuilder();
    for (int i = 1; i <= 3; i++) {
      int raftPort = Modelfs.freePort();
      group.append(i == 1 ? "" : ",").append("t").append(i).append("=127.0.0.1:").append(raftPort);
      replicas.add(new Replica("t" + i, tmp.resolve("tracker-t" + i), Modelfs.freePort(), new Process[1]));
    }
    for (Replica r : replicas) {
      startReplica(r, group.toString());
    }
    int leader = awaitLeader(replicas, -1, 0, Duration.ofSeconds(60));
    long firstTerm = field(TERM, status(replicas.get(leader)));

    try (FaultProxy proxy = new FaultProxy(URI.create("http://127.0.0.1:" + originPort + "/"))) {
      awaitPort(originPort);
      Path manifests = Files.createDirectories(tmp.resolve("manifests"));
      Modelfs.Run imported = modelfs.run(List.of("import", proxy.uri("model/").toString(), "--name", "llama", "--chunk-size",
          "1MiB", "--manifests", manifests.toUri().toString(), "--tracker", group.toString()), 180);
      assertEquals(0, imported.exit(), imported.all());
      ModelRef ref = ModelRef.parse(imported.out().strip().lines().reduce((a, b) -> b).orElseThrow());
      proxy.heal();
      proxy.bytesPerSecond = 2L * MIB; // about 6 s of origin transfer: the reads are in flight when the leader dies

      Path empty = Files.createDirectories(tmp.resolve("no-manifests"));
      Path key = Files.writeString(tmp.resolve("swarm.key"), "fault-injection-swarm-secret-0123456789\n");
      List<Modelfs.Agent> agents = new ArrayList<>();
      for (String id : List.of("a", "b")) {
        agents.add(modelfs.startAgent(id, null, empty, List.of("--listen", "127.0.0.1:" + Modelfs.freePort(), "--node-id", id,
            "--swarm-key-file", key.toString(), "--tracker", group.toString(), "--read-timeout", "60s")));
      }
      List<Process> readers = new ArrayList<>();
      for (Modelfs.Agent a : agents) {
        readers.add(modelfs.startRead(a.file(ref, "weights.bin")));
      }
      for (int i = 0; i < 600 && proxy.bodyBytes.get() < 2L * MIB; i++) {
        Thread.sleep(50);
      }
      assertTrue(proxy.bodyBytes.get() >= 2L * MIB, "the reads did not start: " + proxy.bodyBytes.get() + " bytes from the origin");
      Replica killed = replicas.get(leader);
      long killedAt = System.nanoTime();
      killed.process()[0].destroyForcibly(); // SIGKILL
      assertTrue(killed.process()[0].waitFor(30, TimeUnit.SECONDS), "the leader did not die");
      long inFlight = proxy.bodyBytes.get();

      for (int i = 0; i < readers.size(); i++) {
        Modelfs.Read r = Modelfs.result(readers.get(i), 120);
        assertTrue(r.ok(), "agent " + i + "'s read failed with errno " + r.errno() + " after the tracker leader died\n"
            + OriginFaultsIT.tail(agents.get(i).logText()));
        assertEquals(Digest.sha256(weights).hex(), r.sha256(), "wrong bytes after the tracker leader died");
      }
      int next = awaitLeader(replicas, leader, firstTerm, Duration.ofSeconds(30));
      double electedSeconds = (System.nanoTime() - killedAt) / 1e9;
      assertTrue(next != leader);

      // Acknowledged writes survived: the new leader's view lists the model under its tag, with its chunk count
      // (which the leader has from the stored manifest).
      Replica survivor = replicas.get(next);
      String view = awaitSwarm(survivor, List.of(ref.toString(), "llama:latest", "\"chunkCount\": \"13\""));

      // The two survivors take new writes; the killed replica, restarted, catches up with them.
      Path other = Files.createDirectories(tmp.resolve("origin/small"));
      Files.writeString(other.resolve("config.json"), "{\"after\": \"failover\"}\n");
      Modelfs.Run second = modelfs.run(List.of("import", other.toString(), "--name", "small", "--chunk-size", "1MiB",
          "--manifests", manifests.toUri().toString(), "--tracker", group.toString()), 180);
      assertEquals(0, second.exit(), "a write with the leader dead: " + second.all());
      ModelRef smallRef = ModelRef.parse(second.out().strip().lines().reduce((a, b) -> b).orElseThrow());
      long commit = field(COMMIT, status(survivor));

      long restartedAt = System.nanoTime();
      startReplica(killed, group.toString());
      long applied = -1;
      for (int i = 0; i < 600 && applied < commit; i++) {
        Thread.sleep(100);
        Optional<String> st = tryGet(killed, "/api/status");
        applied = st.isPresent() ? field(APPLIED, st.get()) : -1;
      }
      assertTrue(applied >= commit, "the restarted replica applied up to " + applied + ", the group committed " + commit);
      double caughtUpSeconds = (System.nanoTime() - restartedAt) / 1e9;
      awaitSwarm(killed, List.of(ref.toString(), smallRef.toString(), "small:latest"));
      log.info("tracker leader {} killed with {} MiB of reads in flight: both readers exact; {} elected in {} s;"
          + " acknowledged publish+tag intact; a write after the failover committed at index {}; the restarted {}"
          + " applied it {} s after its start", killed.id(), inFlight / MIB, survivor.id(),
          String.format("%.1f", electedSeconds), commit, killed.id(), String.format("%.1f", caughtUpSeconds));
      assertTrue(view.contains("\"leader\""), view);
    }
  }

  /** GET /api/swarm of {@code r} until it contains every one of {@code expected}; bounded by 30 s. */
  private String awaitSwarm(Replica r, List<String> expected) throws InterruptedException {
    String last = "";
    for (int i = 0; i < 150; i++) {
      last = tryGet(r, "/api/swarm").orElse("");
      String body = last;
      if (expected.stream().allMatch(body::contains)) {
        return body;
      }
      Thread.sleep(200);
    }
    throw new AssertionError("replica " + r.id() + "'s /api/swarm lacks " + expected + ":\n" + last);
  }

  private void startReplica(Replica r, String group) throws IOException {
    r.process()[0] = modelfs.start(new ProcessBuilder("java", "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
        "-jar", Modelfs.JAR.toString(), "tracker", "--id", r.id(), "--peers", group, "--data", r.data().toString(),
        "--http", "127.0.0.1:" + r.httpPort()).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(tmp.resolve("tracker-" + r.id() + ".log").toFile())));
  }

  /** The index of a replica other than {@code not} that is leader in a term above {@code aboveTerm}; bounded. */
  private int awaitLeader(List<Replica> replicas, int not, long aboveTerm, Duration within) throws Exception {
    long deadline = System.nanoTime() + within.toNanos();
    while (System.nanoTime() < deadline) {
      for (int i = 0; i < replicas.size(); i++) {
        if (i == not) {
          continue;
        }
        Optional<String> s = tryStatus(replicas.get(i));
        if (s.isPresent() && s.get().contains("\"role\": \"LEADER\"") && field(TERM, s.get()) > aboveTerm) {
          return i;
        }
      }
      Thread.sleep(100);
    }
    throw new AssertionError("no tracker leader (term > " + aboveTerm + ") within " + within);
  }

  private Optional<String> tryStatus(Replica r) {
    return tryGet(r, "/api/status");
  }

  private Optional<String> tryGet(Replica r, String path) {
    try {
      HttpResponse<String> resp = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + r.httpPort() + path))
          .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
      return resp.statusCode() == 200 ? Optional.of(resp.body()) : Optional.empty();
    } catch (IOException e) {
      return Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    }
  }

  private String status(Replica r) {
    return tryStatus(r).orElseThrow(() -> new AssertionError("replica " + r.id() + " does not answer /api/status"));
  }

  private static long field(Pattern p, String json) {
    Matcher m = p.matcher(json);
    assertTrue(m.find(), json);
    return Long.parseLong(m.group(1));
  }

  private static void awaitPort(int port) throws InterruptedException {
    for (int i = 0; i < 100; i++) {
      try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
        return;
      } catch (IOException e) {
        Thread.sleep(100);
      }
    }
    throw new AssertionError("nothing listens on " + port);
  }
}
