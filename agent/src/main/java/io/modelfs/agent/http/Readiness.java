package io.modelfs.agent.http;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The node's readiness from named {@link HealthCheck}s: ready when none is down; degraded
 * (still ready, and saying so) when one is degraded. This is {@code GET /readyz}: 200 when
 * ready, 503 otherwise, with one line per check. Checks are registered at wiring time (the
 * mount by the agent, the tracker by the swarm link). Thread-safe.
 */
public final class Readiness {
  private final Map<String, HealthCheck> checks = new LinkedHashMap<>();

  /** Adds a check under {@code name} (replacing one of that name). */
  public synchronized void register(String name, HealthCheck check) {
    checks.put(name, check);
  }

  /** The outcome of every check now. */
  public Report check() {
    Map<String, HealthCheck> now;
    synchronized (this) {
      now = new LinkedHashMap<>(checks);
    }
    Map<String, HealthCheck.Result> results = new LinkedHashMap<>();
    now.forEach((name, c) -> {
      HealthCheck.Result r;
      try {
        r = c.check();
      } catch (RuntimeException e) {
        r = HealthCheck.Result.down("check failed: " + e);
      }
      results.put(name, r);
    });
    return new Report(results);
  }

  /** Every check's result, in registration order. */
  public record Report(Map<String, HealthCheck.Result> results) {
    public Report {
      results = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(results));
    }

    public boolean ready() {
      return results.values().stream().noneMatch(r -> r.state() == HealthCheck.State.DOWN);
    }

    /** {@code ready}, {@code degraded: <why>} or {@code not ready: <why>}. */
    public String summary() {
      String down = reasons(HealthCheck.State.DOWN);
      if (!down.isEmpty()) {
        return "not ready: " + down;
      }
      String degraded = reasons(HealthCheck.State.DEGRADED);
      return degraded.isEmpty() ? "ready" : "degraded: " + degraded;
    }

    private String reasons(HealthCheck.State state) {
      StringBuilder b = new StringBuilder();
      results.forEach((name, r) -> {
        if (r.state() == state) {
          b.append(b.length() == 0 ? "" : "; ").append(name).append(": ").append(r.detail());
        }
      });
      return b.toString();
    }

    /** The {@code /readyz} body: the summary, then {@code <name> <STATE> <detail>} per check. */
    public String body() {
      StringBuilder b = new StringBuilder(summary()).append('\n');
      results.forEach((name, r) -> b.append(name).append(' ').append(r.state()).append(' ').append(r.detail()).append('\n'));
      return b.toString();
    }
  }
}
