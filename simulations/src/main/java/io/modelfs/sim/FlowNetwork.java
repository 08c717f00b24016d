package io.modelfs.sim;

/**
 * Flow-level transport model. A transfer is a flow through a path of resources; each resource
 * is split equally among the flows crossing it and a flow runs at the smallest share on its
 * path. Rates are recomputed only when a flow starts or ends, and only for the flows sharing a
 * resource with it, so the cost is per transfer, not per packet: 20 million chunk transfers of
 * a 10,000-node run cost a few hundred million rate updates, not 10^12 packets.
 *
 * <p>Design note: this is the local fair share, not exact max-min fairness — a flow held back
 * elsewhere does not hand its unused share to the others on a link. It under-uses links
 * slightly when bottlenecks differ (so simulated times err on the slow side), and it keeps
 * every update local. TCP slow start, loss and packet scheduling are not modelled.
 *
 * <p>A flow's completion is one {@linkplain EventQueue.Keyed keyed} event on the agenda: a rate
 * change moves it (ordered as a new event scheduled at that moment would be), a cancel takes it
 * out. Until 2026-11-28 each rate change added an event and the superseded ones fired as no-ops
 * (62% of a 10,000-node run's events); the order of the events that do something is the same.
 */
final class FlowNetwork {
  /** Sees every byte moved, for the time series. */
  interface Meter {
    void moved(Flow flow, long fromNanos, long toNanos, double bytes);
  }

  private final Simulator sim;
  private final Meter meter;
  private long started;
  private long rateUpdates;

  FlowNetwork(Simulator sim, Meter meter) {
    this.sim = sim;
    this.meter = meter;
  }

  /** Starts moving {@code bytes} now through {@code path}; {@code done} runs when the last byte has moved. */
  Flow start(Resource[] path, long bytes, boolean fromOrigin, Runnable done) {
    return start(path, bytes, fromOrigin, 1, done);
  }

  /** As {@link #start(Resource[], long, boolean, Runnable)}, each byte costing {@code cpuPerByte} CPU seconds on a CPU resource. */
  Flow start(Resource[] path, long bytes, boolean fromOrigin, double cpuPerByte, Runnable done) {
    if (bytes <= 0) {
      throw new IllegalArgumentException("a flow must move at least one byte, got " + bytes);
    }
    Flow f = new Flow(path, bytes, fromOrigin, done);
    f.completion = new Completion(f);
    f.cpuPerByte = cpuPerByte;
    f.settledAt = sim.now();
    started++;
    for (Resource r : path) {
      r.flows.add(f);
    }
    f.rate = -1;
    for (Resource r : path) {
      update(r);
    }
    return f;
  }

  /** Stops a flow where it is (a cancel or a peer that went away); its callback never runs. */
  void cancel(Flow f) {
    if (!f.active) {
      return;
    }
    settle(f);
    sim.cancel(f.completion);
    remove(f);
  }

  long flowsStarted() {
    return started;
  }

  long rateUpdates() {
    return rateUpdates;
  }

  private void complete(Flow f) {
    if (!f.active) {
      throw new IllegalStateException("completion of a flow that ended already: " + f); // cancel takes it off the agenda
    }
    settle(f);
    f.remaining = 0;
    remove(f);
    f.done.run();
  }

  private void remove(Flow f) {
    f.active = false;
    for (Resource r : f.path) {
      r.flows.remove(f);
    }
    for (Resource r : f.path) {
      update(r);
    }
  }

  private void update(Resource r) {
    for (int i = 0, n = r.flows.size(); i < n; i++) {
      Flow f = r.flows.get(i);
      double rate = Double.POSITIVE_INFINITY;
      for (Resource p : f.path) {
        rate = Math.min(rate, p.cpu ? p.share() / f.cpuPerByte : p.share());
      }
      if (rate != f.rate) {
        settle(f);
        f.rate = rate;
        rateUpdates++;
        double seconds = f.remaining / rate;
        long at = sim.now() + Math.max(1, (long) Math.ceil(seconds * 1e9));
        sim.reschedule(at, EventKind.FLOW_COMPLETE, f.completion);
      }
    }
  }

  private void settle(Flow f) {
    long now = sim.now();
    if (now > f.settledAt && f.rate > 0) {
      double moved = Math.min(f.remaining, f.rate * (now - f.settledAt) / 1e9);
      f.remaining -= moved;
      meter.moved(f, f.settledAt, now, moved);
    }
    f.settledAt = now;
  }

  /** A flow's completion: on the agenda at most once, moved by every rate change. */
  private final class Completion extends EventQueue.Keyed {
    private final Flow flow;

    Completion(Flow flow) {
      this.flow = flow;
    }

    @Override
    public void run() {
      complete(flow);
    }

    @Override
    public String toString() {
      return "completion of " + flow;
    }
  }
}
