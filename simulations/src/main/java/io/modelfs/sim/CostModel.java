package io.modelfs.sim;

import java.util.ArrayList;
import java.util.List;

/**
 * Time-to-ready and dollars side by side for one fleet: the modelfs swarm and direct object
 * storage (storage at the object-storage price plus GET requests), the scenario's NFS-like
 * server, and every shared-filesystem service in the {@link PriceTable} provisioned for the
 * model (at least its minimum), its throughput as the seed states it, run through the same
 * fluid model. "GPU wait" is the node-hours the fleet spends waiting for the model, at the
 * scenario's assumed node price.
 */
final class CostModel {
  /** One approach's line: seconds until all ready, monthly storage, per-rollout requests and wait. */
  record Line(String approach, double readySeconds, double storageUsdPerMonth, double requestsUsd, double gpuWaitUsd,
      double serverBytes, String basis) {}

  private CostModel() {}

  static List<Line> lines(Scenario s, Fleet f, RunResult swarm, RunResult nfs, RunResult object, long bucketNanos) {
    List<PriceTable.Service> table = PriceTable.shipped();
    PriceTable.Service objectStore = table.stream().filter(x -> x.kind().equals("object")).findFirst()
        .orElseThrow(() -> new IllegalStateException("pricing.csv has no object-storage row"));
    double size = s.modelBytes();
    double objectMonth = objectStore.usdPerMonth(size);
    double perGet = s.cost().getUsdPer1000() / 1000;
    List<Line> out = new ArrayList<>();
    if (swarm != null) {
      out.add(new Line("modelfs swarm", swarm.allReadySeconds(), objectMonth, Math.ceil(swarm.originBytes() / s.chunkBytes()) * perGet,
          wait(s, f, swarm), swarm.originBytes(), objectStore.name() + " + simulated swarm"));
    }
    out.add(new Line("object storage direct", object.allReadySeconds(), objectMonth,
        Math.ceil(object.originBytes() / s.chunkBytes()) * perGet, wait(s, f, object), object.originBytes(),
        objectStore.name() + ", " + Units.formatRate(s.origin().perNode()) + " per node"));
    out.add(new Line("NFS-like server (scenario)", nfs.allReadySeconds(), Double.NaN, 0, wait(s, f, nfs), nfs.originBytes(),
        Units.formatRate(s.nfs().aggregate()) + " aggregate; no price"));
    double lb = swarm == null ? object.lowerBoundSeconds() : swarm.lowerBoundSeconds();
    for (PriceTable.Service svc : table) {
      if (!svc.isNfs()) {
        continue;
      }
      double agg = svc.aggregate(size);
      RunResult r = FluidBaseline.run(svc.name(), s, f, agg, s.nfs().perClient(), s.nodes().rttNanos(), bucketNanos, lb);
      out.add(new Line(svc.cloud() + " " + svc.name(), r.allReadySeconds(), svc.usdPerMonth(size), 0, wait(s, f, r),
          r.originBytes(), String.format(java.util.Locale.ROOT, "%.2f TiB provisioned, %s", svc.provisionedTib(size),
              Units.formatRate(agg))));
    }
    return out;
  }

  /** Node-hours spent waiting (join to ready, staying nodes) times the assumed node price; NaN if one never got ready. */
  private static double wait(Scenario s, Fleet f, RunResult r) {
    double sum = 0;
    for (double t : r.readySeconds()) {
      sum += t;
    }
    for (int i = 0; i < f.size; i++) {
      if (f.leaveAt[i] < 0) {
        sum -= f.joinAt[i] / 1e9;
      }
    }
    return sum / 3600 * s.cost().nodeUsdPerHour();
  }
}
