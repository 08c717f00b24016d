package io.modelfs.agent.http;

/**
 * One thing readiness depends on (the mount; the tracker once the agent has one). Called on an
 * HTTP thread for every {@code GET /readyz} and status request: it must answer within about a
 * second and must not throw (a failure is a {@link Result#down} with the reason).
 */
@FunctionalInterface
public interface HealthCheck {
  Result check();

  /** What a check found. */
  enum State {
    /** Working. */
    UP,
    /** Not working, but the agent still serves without it (e.g. tracker gone: origin only). */
    DEGRADED,
    /** Not working; the node should take no traffic. */
    DOWN
  }

  /** A check's finding and, unless {@code UP}, the reason in words an operator can act on. */
  record Result(State state, String detail) {
    public Result {
      if (state == null || detail == null) {
        throw new IllegalArgumentException("a health result needs a state and a detail");
      }
    }

    public static Result up(String detail) {
      return new Result(State.UP, detail);
    }

    public static Result degraded(String detail) {
      return new Result(State.DEGRADED, detail);
    }

    public static Result down(String detail) {
      return new Result(State.DOWN, detail);
    }
  }
}
