package io.modelfs.agent.cli;

import io.modelfs.core.Durations;
import io.modelfs.tracker.TrackerConfig;
import io.modelfs.tracker.TrackerPeers;
import io.modelfs.tracker.TrackerServer;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "tracker",
    description = "Run one tracker replica (names, manifests, membership in Raft; availability and origin leases on the leader) until stopped. Three replicas with the same --peers form a group.")
final class TrackerCommand implements Callable<Integer> {
  @Option(names = "--id", required = true, description = "This replica's id; must appear in --peers.")
  String id;

  @Option(names = "--peers", required = true, paramLabel = "ID=HOST:PORT,...",
      description = "Every replica of the group, this one included, e.g. t1=10.0.0.1:7300,t2=10.0.0.2:7300,t3=10.0.0.3:7300. Agents take the same list with --tracker.")
  String peers;

  @Option(names = "--data", required = true, description = "Directory for this replica's Raft log and snapshots (keep it across restarts).")
  Path data;

  @Option(names = "--lease-ttl", description = "An origin lease lapses this long after its holder was last heard from (default: ${DEFAULT-VALUE}).")
  String leaseTtl = "10s";

  @Option(names = "--origin-cap", description = "Origin fetches under lease at once, swarm-wide (default: ${DEFAULT-VALUE}).")
  int originCap = 64;

  @Option(names = "--node-ttl", description = "A node without a durable heartbeat for this long is forgotten (default: ${DEFAULT-VALUE}).")
  String nodeTtl = "2m";

  @Override
  public Integer call() throws Exception {
    TrackerConfig config = TrackerConfig.of(id, TrackerPeers.parse(peers), data)
        .withLeaseTtl(Durations.parse(leaseTtl))
        .withNodeTtl(Durations.parse(nodeTtl))
        .withOriginCap(originCap);
    TrackerServer server = TrackerServer.start(config);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      server.close();
      stopped.countDown();
    }, "tracker-shutdown"));
    System.err.println("modelfs tracker " + id + ": serving " + config.peers().find(id).orElseThrow().address()
        + " in group " + config.peers() + "; data " + data + "; Ctrl-C to stop");
    stopped.await();
    return 0;
  }
}
