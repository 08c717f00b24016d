package io.modelfs.sim;

import io.modelfs.schedule.SchedulerConfig;
import java.util.List;
import java.util.Objects;

/**
 * One simulated situation, as read from a scenario file by {@link ScenarioFile}: the fleet, the
 * model, the network, the origin, the tracker, the baselines' servers, churn and costs. Rates
 * are bytes per second ({@link Double#POSITIVE_INFINITY} = unlimited), times nanoseconds.
 *
 * @param nodeCounts fleet sizes to run, in order (more than one makes a scaling table)
 * @param scheduler the agent's own scheduler settings ({@link SchedulerConfig#defaults()} plus the file's overrides)
 */
public record Scenario(
    String name,
    String description,
    List<Integer> nodeCounts,
    long modelBytes,
    int chunkBytes,
    Nodes nodes,
    Origin origin,
    Tracker tracker,
    Nfs nfs,
    SchedulerConfig scheduler,
    Churn churn,
    Straggler straggler,
    long seed,
    long timeLimitNanos,
    Cost cost) {

  /**
   * Prices that are not in the pricing table because they are assumptions, not quotes: what an
   * idle GPU node costs per hour while it waits for the model, and object-storage GET requests
   * per 1,000. Both are scenario settings so a reader can put in their own.
   */
  public record Cost(double nodeUsdPerHour, double getUsdPer1000) {
    public Cost {
      if (nodeUsdPerHour < 0 || getUsdPer1000 < 0) {
        throw new IllegalArgumentException("cost.nodeUsdPerHour and cost.getUsdPer1000 must be >= 0");
      }
    }
  }

  /**
   * Per-node links: a mix of NIC classes (weights sum to 1), hashing throughput, per-connection
   * round trip, neighbours from the tracker, how often a node sends its batched HAVEs (the agent's
   * {@code announceInterval}; 0 = at once) and, for fleets that share one machine (the in-process
   * validation swarm), that machine ({@link Host#SEPARATE} = each node its own machine).
   */
  public record Nodes(List<NicClass> nics, double hashBytesPerSecond, long rttNanos, int neighbours, long announceNanos,
      Host host) {
    public Nodes {
      nics = List.copyOf(nics);
      if (nics.isEmpty()) {
        throw new IllegalArgumentException("at least one NIC class is needed");
      }
      positive("node.hash", hashBytesPerSecond);
      Objects.requireNonNull(host, "host");
      if (rttNanos < 0 || neighbours < 1 || announceNanos < 0) {
        throw new IllegalArgumentException("link.rtt and link.announceInterval must be >= 0 and neighbours >= 1, got "
            + rttNanos + " ns, " + announceNanos + " ns, " + neighbours);
      }
    }
  }

  /**
   * One machine that every node runs on (the agent module's in-process swarm): its cores, and what
   * a byte costs in CPU seconds — {@code cpuPerByte} for every byte a node takes in (the sender's
   * and the receiver's copies, hashing, the store write, and the JIT and GC amortised over the
   * run), plus {@code originCpuPerByte} for a byte from the origin when the origin runs on the
   * same machine (its HTTP server, the counting proxy, the agent's HTTP client). Both are
   * measured on the machine, not fitted to the run being compared (see docs/SIMULATIONS.md).
   * Every flow crosses the host; its cores are split equally among the flows, as threads share them.
   */
  public record Host(double cores, double cpuPerByte, double originCpuPerByte) {
    /** Each node on its own machine: no shared CPU. */
    public static final Host SEPARATE = new Host(Double.POSITIVE_INFINITY, 0, 0);

    public Host {
      positive("host.cores", cores);
      if (!(cpuPerByte >= 0) || !(originCpuPerByte >= 0) || Double.isInfinite(cpuPerByte + originCpuPerByte)) {
        throw new IllegalArgumentException("host.cpuPerMiB and host.originCpuPerMiB must be finite and >= 0, got "
            + cpuPerByte + " and " + originCpuPerByte + " s per byte");
      }
      if (!Double.isInfinite(cores) && cpuPerByte == 0) {
        throw new IllegalArgumentException("host.cores=" + cores + " needs host.cpuPerMiB > 0 (what a MiB costs in CPU)");
      }
    }

    /** True when the nodes share this machine's CPU. */
    public boolean shared() {
      return !Double.isInfinite(cores);
    }
  }

  /** A NIC class: this share of the nodes has these download and upload rates. */
  public record NicClass(double weight, double down, double up) {
    public NicClass {
      positive("NIC weight", weight);
      positive("NIC download", down);
      positive("NIC upload", up);
    }
  }

  /**
   * Object storage: per-node stream cap, aggregate cap, time to first byte, and the most
   * requests per second one node may start.
   */
  public record Origin(double perNode, double aggregate, long latencyNanos, double requestsPerSecondPerNode) {
    public Origin {
      positive("origin.perNode", perNode);
      positive("origin.aggregate", aggregate);
      if (latencyNanos < 0 || requestsPerSecondPerNode < 0) {
        throw new IllegalArgumentException("origin.latency and origin.requestsPerSecondPerNode must be >= 0");
      }
    }
  }

  /** The tracker: round trip, origin-lease TTL, swarm-wide lease cap and per-request batch, and when it forgets a silent node. */
  public record Tracker(long rttNanos, long leaseTtlNanos, int originCap, int leaseBatch, long nodeTimeoutNanos) {
    public Tracker {
      if (rttNanos < 0 || leaseTtlNanos <= 0 || originCap < 1 || leaseBatch < 1 || nodeTimeoutNanos <= 0) {
        throw new IllegalArgumentException("tracker settings out of range: rtt=" + rttNanos + "ns ttl=" + leaseTtlNanos
            + "ns originCap=" + originCap + " leaseBatch=" + leaseBatch + " nodeTimeout=" + nodeTimeoutNanos + "ns");
      }
    }
  }

  /** The NFS-like baseline server: aggregate and per-client caps. */
  public record Nfs(double aggregate, double perClient) {
    public Nfs {
      positive("nfs.aggregate", aggregate);
      positive("nfs.perClient", perClient);
    }
  }

  /**
   * Churn: a fraction of the nodes joins at a uniformly random time in [0, joinWindow]; a
   * fraction leaves (crashes) at a uniformly random time in [leaveFrom, leaveTo], whether done or not.
   */
  public record Churn(double lateFraction, long joinWindowNanos, double leaveFraction, long leaveFromNanos, long leaveToNanos) {
    public static final Churn NONE = new Churn(0, 0, 0, 0, 0);

    public Churn {
      if (lateFraction < 0 || lateFraction > 1 || leaveFraction < 0 || leaveFraction > 1 || lateFraction + leaveFraction > 1) {
        throw new IllegalArgumentException("churn fractions must be in [0,1] and sum to at most 1, got late="
            + lateFraction + " leave=" + leaveFraction);
      }
      if (joinWindowNanos < 0 || leaveFromNanos < 0 || leaveToNanos < leaveFromNanos) {
        throw new IllegalArgumentException("churn windows out of range: join=" + joinWindowNanos + "ns leave="
            + leaveFromNanos + ".." + leaveToNanos + "ns");
      }
    }
  }

  /** Stragglers: this many nodes have this NIC rate, both directions. */
  public record Straggler(int count, double rate) {
    public static final Straggler NONE = new Straggler(0, Double.POSITIVE_INFINITY);

    public Straggler {
      if (count < 0) {
        throw new IllegalArgumentException("straggler.count must be >= 0, got " + count);
      }
      positive("straggler.nic", rate);
    }
  }

  public Scenario {
    Objects.requireNonNull(name, "name");
    description = description == null ? "" : description;
    nodeCounts = List.copyOf(nodeCounts);
    if (nodeCounts.isEmpty() || nodeCounts.stream().anyMatch(n -> n < 1)) {
      throw new IllegalArgumentException("scenario " + name + ": nodes must be one or more positive counts, got " + nodeCounts);
    }
    if (modelBytes < 1 || chunkBytes < 1) {
      throw new IllegalArgumentException("scenario " + name + ": model.size and chunk.size must be positive");
    }
    if ((modelBytes + chunkBytes - 1) / chunkBytes > Integer.MAX_VALUE / 2) {
      throw new IllegalArgumentException("scenario " + name + ": " + modelBytes + " bytes in chunks of " + chunkBytes
          + " is too many chunks");
    }
    Objects.requireNonNull(nodes, "nodes");
    Objects.requireNonNull(origin, "origin");
    Objects.requireNonNull(tracker, "tracker");
    Objects.requireNonNull(nfs, "nfs");
    Objects.requireNonNull(scheduler, "scheduler");
    Objects.requireNonNull(churn, "churn");
    Objects.requireNonNull(straggler, "straggler");
    Objects.requireNonNull(cost, "cost");
    if (timeLimitNanos <= 0) {
      throw new IllegalArgumentException("scenario " + name + ": timeLimit must be positive");
    }
  }

  /** Number of chunks of the model. */
  public int chunkCount() {
    return (int) ((modelBytes + chunkBytes - 1) / chunkBytes);
  }

  /** Size of chunk {@code i} (the last one may be short). */
  public long chunkSize(int i) {
    return Math.min(chunkBytes, modelBytes - (long) i * chunkBytes);
  }

  private static void positive(String what, double v) {
    if (!(v > 0)) {
      throw new IllegalArgumentException(what + " must be positive, got " + v);
    }
  }
}
