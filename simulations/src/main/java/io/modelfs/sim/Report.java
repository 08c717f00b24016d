package io.modelfs.sim;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Prints a scenario's outcomes as tables and writes them as CSV files and SVG charts:
 * {@code summary.csv}, {@code completion.csv}, {@code timeseries.csv}, {@code cost.csv},
 * {@code completion-cdf.svg}, {@code origin-egress.svg}, {@code throughput.svg} (for the largest
 * fleet) and {@code scaling.svg} when the scenario has several fleet sizes.
 */
final class Report {
  private static final int MAX_ROWS = 2000;
  private Report() {}

  static void print(PrintStream out, Scenario s, List<Simulation.Outcome> outcomes) {
    out.printf(Locale.ROOT, "scenario %s: model %s in %d chunks of %s%s%n", s.name(), Units.formatBytes(s.modelBytes()),
        s.chunkCount(), Units.formatBytes(s.chunkBytes()), s.description().isEmpty() ? "" : " — " + s.description());
    for (Simulation.Outcome o : outcomes) {
      out.printf(Locale.ROOT, "%n%d nodes; lower bound %s%n", o.nodes(), Units.formatSeconds(o.lowerBoundSeconds()));
      out.printf(Locale.ROOT, "  %-26s %10s %10s %12s %9s %14s%n", "approach", "all ready", "median", "ratio to LB", "finished",
          "origin egress");
      for (RunResult r : List.of(o.swarm(), o.nfs(), o.object())) {
        out.printf(Locale.ROOT, "  %-26s %10s %10s %11.2fx %4d/%-4d %7.2fx model%n", r.approach(),
            Units.formatSeconds(r.allReadySeconds()), Units.formatSeconds(r.percentile(0.5)), r.ratioToBound(), r.finished(),
            r.readySeconds().length, r.originCopies());
      }
      RunResult sw = o.swarm();
      out.printf(Locale.ROOT, "  simulator: %,d events in %.1f s wall (%,.0f events/s); %s%n", sw.events(), sw.wallMillis() / 1e3,
          sw.events() / Math.max(1e-3, sw.wallMillis() / 1e3), sw.notes());
      out.printf(Locale.ROOT, "  cost (GPU wait at an assumed $%.2f per node-hour, GETs at $%.4f per 1,000):%n",
          s.cost().nodeUsdPerHour(), s.cost().getUsdPer1000());
      out.printf(Locale.ROOT, "    %-52s %12s %14s %11s %12s%n", "approach", "ready", "storage $/mo", "GETs $", "GPU wait $");
      for (CostModel.Line c : o.costs()) {
        out.printf(Locale.ROOT, "    %-52s %12s %14s %11s %12s%n", trim(c.approach(), 52), Units.formatSeconds(c.readySeconds()),
            usd(c.storageUsdPerMonth()), usd(c.requestsUsd()), usd(c.gpuWaitUsd()));
      }
    }
    if (outcomes.size() > 1) {
      out.printf(Locale.ROOT, "%nscaling:%n  %7s %10s %10s %8s %12s %12s %12s %14s%n", "nodes", "swarm", "bound", "ratio",
          "origin x", "NFS", "object", "events/s");
      for (Simulation.Outcome o : outcomes) {
        RunResult sw = o.swarm();
        out.printf(Locale.ROOT, "  %7d %10s %10s %7.2fx %11.2fx %12s %12s %,14.0f%n", o.nodes(),
            Units.formatSeconds(sw.allReadySeconds()), Units.formatSeconds(o.lowerBoundSeconds()), sw.ratioToBound(),
            sw.originCopies(), Units.formatSeconds(o.nfs().allReadySeconds()), Units.formatSeconds(o.object().allReadySeconds()),
            sw.events() / Math.max(1e-3, sw.wallMillis() / 1e3));
      }
    }
  }

  static List<Path> write(Path dir, Scenario s, List<Simulation.Outcome> outcomes) throws IOException {
    Files.createDirectories(dir);
    List<Path> written = new ArrayList<>();
    StringBuilder summary = new StringBuilder(
        "scenario,nodes,approach,all_ready_s,median_s,lower_bound_s,ratio_to_bound,finished,staying,origin_bytes,origin_copies,events,wall_ms\n");
    StringBuilder completion = new StringBuilder("nodes,approach,rank,ready_s\n");
    StringBuilder series = new StringBuilder("nodes,approach,t_s,origin_bytes_per_s,aggregate_bytes_per_s\n");
    StringBuilder cost = new StringBuilder("nodes,approach,ready_s,storage_usd_per_month,get_requests_usd,gpu_wait_usd,server_bytes,basis\n");
    for (Simulation.Outcome o : outcomes) {
      for (RunResult r : List.of(o.swarm(), o.nfs(), o.object())) {
        summary.append(String.format(Locale.ROOT, "%s,%d,%s,%.6f,%.6f,%.6f,%.4f,%d,%d,%.0f,%.4f,%d,%d%n", s.name(), o.nodes(),
            r.approach(), r.allReadySeconds(), r.percentile(0.5), r.lowerBoundSeconds(), r.ratioToBound(), r.finished(),
            r.readySeconds().length, r.originBytes(), r.originCopies(), r.events(), r.wallMillis()));
        double[] ready = r.readySeconds();
        for (int i = 0; i < ready.length; i++) {
          completion.append(String.format(Locale.ROOT, "%d,%s,%d,%.6f%n", o.nodes(), r.approach(), i + 1, ready[i]));
        }
        Series eg = r.originSeries();
        Series th = r.throughputSeries();
        int buckets = Math.max(eg.buckets(), th.buckets());
        int step = Math.max(1, (buckets + MAX_ROWS - 1) / MAX_ROWS); // long baselines: average neighbouring buckets
        for (int i = 0; i < buckets; i += step) {
          double e = 0;
          double a = 0;
          for (int j = i; j < i + step; j++) {
            e += eg.rate(j) / step;
            a += th.rate(j) / step;
          }
          series.append(String.format(Locale.ROOT, "%d,%s,%.6f,%.0f,%.0f%n", o.nodes(), r.approach(), i * eg.bucketNanos() / 1e9,
              e, a));
        }
      }
      for (CostModel.Line c : o.costs()) {
        cost.append(String.format(Locale.ROOT, "%d,\"%s\",%.6f,%.2f,%.4f,%.2f,%.0f,\"%s\"%n", o.nodes(), c.approach(),
            c.readySeconds(), c.storageUsdPerMonth(), c.requestsUsd(), c.gpuWaitUsd(), c.serverBytes(), c.basis()));
      }
    }
    written.add(put(dir.resolve("summary.csv"), summary));
    written.add(put(dir.resolve("completion.csv"), completion));
    written.add(put(dir.resolve("timeseries.csv"), series));
    written.add(put(dir.resolve("cost.csv"), cost));
    written.addAll(charts(dir, s, outcomes));
    return written;
  }

  private static List<Path> charts(Path dir, Scenario s, List<Simulation.Outcome> outcomes) throws IOException {
    List<Path> out = new ArrayList<>();
    Simulation.Outcome o = outcomes.get(outcomes.size() - 1);
    String where = s.name() + ", " + o.nodes() + " nodes, " + Units.formatBytes(s.modelBytes());
    SvgChart cdf = new SvgChart("Completion-time CDF (" + where + ")", "seconds (log scale)", "fraction of nodes ready", true);
    for (RunResult r : List.of(o.swarm(), o.nfs(), o.object())) {
      double[] t = r.readySeconds();
      double[] f = new double[t.length];
      for (int i = 0; i < t.length; i++) {
        f[i] = (i + 1.0) / t.length;
      }
      cdf.add(r.approach(), t, f);
    }
    cdf.add("lower bound", new double[] {o.lowerBoundSeconds(), o.lowerBoundSeconds()}, new double[] {0, 1});
    out.add(put(dir.resolve("completion-cdf.svg"), cdf.render()));
    double horizon = 1.2 * Math.max(finite(o.swarm().allReadySeconds()), finite(o.object().allReadySeconds()));
    out.add(put(dir.resolve("origin-egress.svg"), overTime("Origin egress (" + where + ")", "origin egress, GB/s", o, horizon, true)));
    out.add(put(dir.resolve("throughput.svg"), overTime("Aggregate throughput into the nodes (" + where + ")",
        "aggregate download, GB/s", o, horizon, false)));
    if (outcomes.size() > 1) {
      int n = outcomes.size();
      double[] x = new double[n];
      double[][] y = new double[4][n];
      for (int i = 0; i < n; i++) {
        Simulation.Outcome k = outcomes.get(i);
        x[i] = k.nodes();
        y[0][i] = k.swarm().allReadySeconds();
        y[1][i] = k.lowerBoundSeconds();
        y[2][i] = k.nfs().allReadySeconds();
        y[3][i] = k.object().allReadySeconds();
      }
      SvgChart sc = new SvgChart("Time until all nodes are ready vs fleet size (" + s.name() + ")", "nodes (log scale)",
          "seconds (log scale)", true).logY();
      sc.add("modelfs swarm", x, y[0]).add("lower bound", x, y[1]).add("NFS-like server", x, y[2]).add("object storage direct", x, y[3]);
      out.add(put(dir.resolve("scaling.svg"), sc.render()));
    }
    return out;
  }

  private static String overTime(String title, String yLabel, Simulation.Outcome o, double horizon, boolean origin) {
    SvgChart c = new SvgChart(title, "seconds", yLabel, false);
    for (RunResult r : List.of(o.swarm(), o.nfs(), o.object())) {
      Series se = origin ? r.originSeries() : r.throughputSeries();
      int buckets = (int) Math.min(se.buckets(), Math.ceil(horizon * 1e9 / se.bucketNanos()) + 1);
      double[] t = new double[buckets];
      double[] v = new double[buckets];
      for (int i = 0; i < buckets; i++) {
        t[i] = (i + 0.5) * se.bucketNanos() / 1e9;
        v[i] = se.rate(i) / 1e9;
      }
      c.add(r.approach(), t, v);
    }
    return c.render();
  }

  private static double finite(double v) {
    return Double.isFinite(v) ? v : 0;
  }

  private static Path put(Path p, CharSequence text) throws IOException {
    Files.writeString(p, text, StandardCharsets.UTF_8);
    return p;
  }

  private static String usd(double v) {
    if (Double.isNaN(v)) {
      return "-";
    }
    return String.format(Locale.ROOT, v >= 100 ? "$%,.0f" : v >= 1 || v == 0 ? "$%.2f" : "$%.4f", v);
  }

  private static String trim(String s, int n) {
    return s.length() <= n ? s : s.substring(0, n - 1) + "…";
  }
}
