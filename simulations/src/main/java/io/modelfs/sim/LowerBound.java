package io.modelfs.sim;

/**
 * The fastest any distribution scheme could make every staying node hold the whole model:
 * max(S/u_origin, max_i(join_i + S/d_i), N·S/(u_origin + Σu_i)). The origin must send every
 * byte once; each node must receive S through its own intake after it joins; and N copies must
 * leave the origin or some node's upload. u_origin is the origin's aggregate egress
 * (min of its cap and the sum of per-node streams). When every node shares one machine
 * ({@link Scenario.Host#shared}), its CPU must also do the work of N copies and one origin copy:
 * (N·S·cpuPerByte + S·originCpuPerByte) / cores.
 */
final class LowerBound {
  private LowerBound() {}

  static double seconds(Scenario s, Fleet f) {
    double size = s.modelBytes();
    double origin = Math.min(s.origin().aggregate(), f.size * s.origin().perNode());
    double perNode = 0;
    double sumUp = 0;
    int receivers = 0;
    for (int i = 0; i < f.size; i++) {
      sumUp += f.up[i];
      if (f.leaveAt[i] < 0) {
        receivers++;
        perNode = Math.max(perNode, f.joinAt[i] / 1e9 + size / f.intake[i]);
      }
    }
    double bound = Math.max(size / origin, Math.max(perNode, receivers * size / (origin + sumUp)));
    Scenario.Host host = s.nodes().host();
    if (host.shared()) {
      bound = Math.max(bound, (receivers * size * host.cpuPerByte() + size * host.originCpuPerByte()) / host.cores());
    }
    return bound;
  }
}
