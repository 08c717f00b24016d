package io.modelfs.agent.cli;

import io.modelfs.agent.AgentConfig;
import io.modelfs.agent.control.ControlClient;
import io.modelfs.agent.http.HttpApi;
import io.modelfs.agent.http.SwarmJson;
import io.modelfs.core.ByteSize;
import io.modelfs.core.proto.AgentStatus;
import io.modelfs.core.proto.ControlRequest;
import io.modelfs.core.proto.ControlResponse;
import io.modelfs.core.proto.ModelCompletion;
import io.modelfs.core.proto.StatusRequest;
import io.modelfs.core.proto.Traffic;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "status", description = "Show what the running agent serves and holds: readiness, store, traffic by source, how much of each open model is local and, with a tracker, the swarm: every node with its status, address, zone and chunks held per model.")
final class StatusCommand implements Callable<Integer> {
  @Option(names = "--agent", description = "The agent's control socket (default: ${DEFAULT-VALUE}).")
  Path agent = AgentConfig.DEFAULT_CONTROL;

  @Option(names = "--json", description = "Print the status as JSON (the same document as GET /api/status).")
  boolean json;

  @Override
  public Integer call() throws Exception {
    ControlResponse r = ControlClient.call(agent,
        ControlRequest.newBuilder().setStatus(StatusRequest.getDefaultInstance()).build(), p -> {});
    if (r.hasError()) {
      System.err.println("modelfs status: " + r.getError().getMessage());
      return 1;
    }
    AgentStatus s = r.getStatus();
    if (json) {
      System.out.println(HttpApi.json(s));
      return 0;
    }
    System.out.println("node:      " + s.getNode() + " (" + s.getReadiness() + ")");
    System.out.println("mount:     " + s.getMount());
    System.out.println("store:     " + s.getStoreDir() + " (" + s.getStoredChunks() + " chunks, "
        + ByteSize.format(s.getStoredBytes()) + ")");
    Traffic t = s.getTraffic();
    long delivered = t.getLocalBytes() + t.getPeerBytes() + t.getOriginBytes();
    System.out.printf("traffic:   local %s/s, peers %s/s, origin %s/s; origin egress %s of %s delivered%n",
        ByteSize.format((long) t.getLocalBytesPerSecond()), ByteSize.format((long) t.getPeerBytesPerSecond()),
        ByteSize.format((long) t.getOriginBytesPerSecond()), ByteSize.format(t.getOriginBytes()),
        ByteSize.format(delivered));
    if (s.getCompletionCount() == 0) {
      System.out.println("models:    none opened yet");
    } else {
      System.out.printf("%-8s %15s %12s %12s  %s%n", "local", "chunks", "bytes", "size", "model");
      for (ModelCompletion c : s.getCompletionList()) {
        System.out.printf("%-8s %15s %12s %12s  %s%n", percent(c), c.getChunksLocal() + "/" + c.getChunksTotal(),
            ByteSize.format(c.getBytesLocal()), ByteSize.format(c.getBytesTotal()), c.getRef());
      }
    }
    if (!s.getTracker().isEmpty()) {
      System.out.println();
      swarm(s);
    }
    return 0;
  }

  /**
   * The swarm as the tracker sees it: its traffic (every node's, as /api/swarm totals it), then
   * one row per node (this one first) with its delivery rate and one column per model's completion.
   */
  private static void swarm(AgentStatus s) {
    System.out.println("tracker:   " + s.getTracker());
    java.util.List<AgentStatus> all = new java.util.ArrayList<>(s.getSwarmList());
    all.add(0, s);
    Traffic t = SwarmJson.total(all);
    System.out.printf("swarm:     %d nodes; local %s/s, peers %s/s, origin %s/s, uploads %s/s; origin bytes saved %s"
            + " (origin egress %s of %s delivered)%n", all.size(),
        ByteSize.format((long) t.getLocalBytesPerSecond()), ByteSize.format((long) t.getPeerBytesPerSecond()),
        ByteSize.format((long) t.getOriginBytesPerSecond()), ByteSize.format((long) t.getUploadedBytesPerSecond()),
        ByteSize.format(SwarmJson.saved(t)), ByteSize.format(t.getOriginBytes()), ByteSize.format(SwarmJson.delivered(t)));
    System.out.printf("%-20s %-10s %-22s %-10s %8s %6s %12s  %s%n", "node", "status", "address", "zone", "seen", "leases",
        "delivered/s", "models (chunks held)");
    for (AgentStatus n : all) {
      boolean self = n == s;
      System.out.printf("%-20s %-10s %-22s %-10s %8s %6s %12s  %s%n", n.getNode() + (self ? " *" : ""),
          state(n.getReadiness()), n.getPeerAddress(), n.getZone(), self ? "now" : n.getLastSeenMillis() / 1000 + " s",
          self ? "" : Integer.toString(n.getLeasesHeld()), ByteSize.format((long) (n.getTraffic().getLocalBytesPerSecond()
              + n.getTraffic().getPeerBytesPerSecond() + n.getTraffic().getOriginBytesPerSecond())), models(n));
    }
  }

  private static String state(String readiness) {
    return readiness.startsWith("ready") ? "ready" : readiness.startsWith("degraded") ? "degraded" : "down";
  }

  private static String models(AgentStatus n) {
    StringBuilder b = new StringBuilder();
    for (ModelCompletion c : n.getCompletionList()) {
      b.append(b.length() == 0 ? "" : ", ").append(c.getRef().split("@")[0]).append(' ')
          .append(c.getChunksLocal()).append('/').append(c.getChunksTotal());
    }
    return b.length() == 0 ? "-" : b.toString();
  }

  /** Rounded down, as the dashboard shows it: 100.0% only when every chunk is local. */
  static String percent(ModelCompletion c) {
    if (c.getBytesTotal() == 0) {
      return "100.0%";
    }
    return String.format("%.1f%%", Math.floor(c.getBytesLocal() * 1000.0 / c.getBytesTotal()) / 10);
  }
}
