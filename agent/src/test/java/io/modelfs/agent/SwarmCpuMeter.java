package io.modelfs.agent;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * What an in-process swarm spends its time on while it pulls (issue 9's validation): the JVM's
 * CPU time (all threads, the JIT and the GC included), the CPU time of the live threads grouped
 * by name (digits folded, so {@code fetch-scheduler-n3} counts as {@code fetch-scheduler-n#}), GC
 * time, and a time series of process CPU and origin bytes sampled every {@code period}. The
 * effective cores (CPU seconds per wall second) say whether the swarm was CPU-bound; the origin
 * series says when the origin was the limit. Test-only: {@link #report} is text for a person and
 * for {@code bench/sim-validate.sh}, not a format anything parses.
 *
 * <p>Threads that end between {@link #start} and {@link #stop} are counted in the process total
 * but in no group ("ended threads, JIT, GC, VM" is the difference). Never throws out of the
 * sampler; a failed sample is skipped.
 */
final class SwarmCpuMeter implements AutoCloseable {
  private final com.sun.management.OperatingSystemMXBean os =
      (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
  private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
  private final LongSupplier originBytes;
  private final long periodMillis;
  private final ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "swarm-cpu-meter");
    t.setDaemon(true);
    return t;
  });
  private final List<double[]> samples = new ArrayList<>(); // {wall s, process CPU s, origin bytes}
  private Map<Long, Long> threadCpu0 = Map.of();
  private Map<Long, String> names = Map.of();
  private long wall0;
  private long cpu0;
  private long gc0;
  private long wallNanos;
  private long cpuNanos;
  private long gcMillis;
  private Map<String, Long> groups = Map.of();

  SwarmCpuMeter(LongSupplier originBytes, long periodMillis) {
    this.originBytes = originBytes;
    this.periodMillis = periodMillis;
  }

  /** Takes the starting point and begins sampling. */
  void start() {
    threadCpu0 = threadCpu();
    wall0 = System.nanoTime();
    cpu0 = os.getProcessCpuTime();
    gc0 = gcMillis();
    sampler.scheduleAtFixedRate(this::sample, 0, periodMillis, TimeUnit.MILLISECONDS);
  }

  /** Stops sampling and takes the end point; idempotent after the first call. */
  void stop() {
    if (wallNanos > 0) {
      return;
    }
    sampler.shutdownNow();
    wallNanos = System.nanoTime() - wall0;
    cpuNanos = os.getProcessCpuTime() - cpu0;
    gcMillis = gcMillis() - gc0;
    Map<Long, Long> end = threadCpu();
    Map<String, Long> g = new TreeMap<>();
    end.forEach((id, t) -> g.merge(names.getOrDefault(id, "?"), t - threadCpu0.getOrDefault(id, 0L), Long::sum));
    groups = g;
  }

  double wallSeconds() {
    return wallNanos / 1e9;
  }

  double cpuSeconds() {
    return cpuNanos / 1e9;
  }

  /**
   * The report: totals, CPU per MiB of {@code deliveredBytes}, the same split into the origin's
   * HTTP path (the thread groups {@code originPath} accepts, per MiB of {@code originBytes}) and
   * the rest (per MiB delivered), the thread groups by CPU, and the time series. Its second line is
   * {@code cost: cores=C cpuPerMiB=Xms originCpuPerMiB=Yms}, for scripts.
   */
  String report(long deliveredBytes, long originBytes, java.util.function.Predicate<String> originPath, int cores) {
    StringBuilder out = new StringBuilder();
    double mib = deliveredBytes / (double) (1 << 20);
    double originMib = Math.max(1e-9, originBytes / (double) (1 << 20));
    long origin = groups.entrySet().stream().filter(e -> originPath.test(e.getKey())).mapToLong(Map.Entry::getValue).sum();
    double share = cpuSeconds() / Math.max(1e-9, wallSeconds());
    out.append(String.format(Locale.ROOT, "wall %.2f s, process CPU %.2f s (%.2f of %d cores), GC %.2f s; delivered %.0f MiB:"
        + " %.2f ms of CPU per MiB delivered; origin's HTTP path %.2f s = %.2f ms per origin MiB (%.0f MiB), the rest"
        + " %.2f ms per MiB delivered%n", wallSeconds(), cpuSeconds(), share, cores, gcMillis / 1e3, mib,
        cpuSeconds() * 1e3 / Math.max(1e-9, mib), origin / 1e9, origin / 1e6 / originMib, originMib,
        (cpuNanos - origin) / 1e6 / Math.max(1e-9, mib)));
    out.append(String.format(Locale.ROOT, "cost: cores=%.3f cpuPerMiB=%.3fms originCpuPerMiB=%.3fms%n", share,
        (cpuNanos - origin) / 1e6 / Math.max(1e-9, mib), origin / 1e6 / originMib));
    long named = 0;
    List<Map.Entry<String, Long>> sorted = new ArrayList<>(groups.entrySet());
    sorted.sort((a, b) -> Long.compare(b.getValue(), a.getValue()));
    for (Map.Entry<String, Long> e : sorted) {
      named += e.getValue();
      if (e.getValue() >= 10_000_000L) {
        out.append(String.format(Locale.ROOT, "  %-40s %7.2f s CPU%n", e.getKey(), e.getValue() / 1e9));
      }
    }
    out.append(String.format(Locale.ROOT, "  %-40s %7.2f s CPU%n", "(ended threads, JIT, GC, VM)", (cpuNanos - named) / 1e9));
    out.append("t_s,cpu_cores,origin_MBps\n");
    synchronized (samples) {
      for (int i = 1; i < samples.size(); i++) {
        double[] a = samples.get(i - 1);
        double[] b = samples.get(i);
        double dt = b[0] - a[0];
        out.append(String.format(Locale.ROOT, "%.2f,%.2f,%.1f%n", b[0], (b[1] - a[1]) / dt, (b[2] - a[2]) / dt / 1e6));
      }
    }
    return out.toString();
  }

  private void sample() {
    try {
      double[] s = {(System.nanoTime() - wall0) / 1e9, (os.getProcessCpuTime() - cpu0) / 1e9, originBytes.getAsLong()};
      synchronized (samples) {
        samples.add(s);
      }
    } catch (RuntimeException e) {
      // a missed sample only thins the series
    }
  }

  private Map<Long, Long> threadCpu() {
    Map<Long, Long> cpu = new HashMap<>();
    Map<Long, String> n = new HashMap<>(names);
    for (ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds())) {
      if (info == null) {
        continue;
      }
      long t = threads.getThreadCpuTime(info.getThreadId());
      if (t >= 0) {
        cpu.put(info.getThreadId(), t);
        n.put(info.getThreadId(), info.getThreadName().replaceAll("[0-9]+", "#"));
      }
    }
    names = n;
    return cpu;
  }

  private static long gcMillis() {
    long total = 0;
    for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
      total += Math.max(0, gc.getCollectionTime());
    }
    return total;
  }

  @Override
  public void close() {
    stop();
  }
}
