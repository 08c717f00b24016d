package io.modelfs.sim;

import io.modelfs.schedule.SchedulerConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.io.StringReader;
import java.lang.reflect.Constructor;
import java.lang.reflect.RecordComponent;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeSet;

/**
 * Reads scenarios: Java properties files, either a path on disk or the name of one shipped in
 * {@code scenarios/} on the classpath ({@code fanout-50}). Every key has a default (see
 * {@link #DEFAULTS}); an unknown key, a bad unit or an out-of-range value is an
 * {@link IllegalArgumentException} naming the file, the key and the text, and nothing runs.
 * {@code scheduler.<component>} overrides one component of the agent's {@link SchedulerConfig}
 * by its record name, so the simulator always runs the agent's own settings type.
 */
public final class ScenarioFile {
  /** The shipped scenarios, in the order `modelfs simulate --list` shows them. */
  public static final List<String> SHIPPED = List.of("fanout-50", "scaling", "scale-10000", "churn", "heterogeneous",
      "slow-origin", "straggler", "validate-8");

  static final Map<String, String> DEFAULTS = defaults();

  private ScenarioFile() {}

  /** A shipped scenario by name, or a file path; {@code overrides} (key=value) win over the file. */
  public static Scenario load(String nameOrPath, Map<String, String> overrides) throws IOException {
    Path p = Path.of(nameOrPath);
    String text;
    String name;
    if (Files.isRegularFile(p)) {
      text = Files.readString(p, StandardCharsets.UTF_8);
      name = p.getFileName().toString().replaceFirst("\\.properties$", "");
    } else {
      try (InputStream in = ScenarioFile.class.getResourceAsStream("/scenarios/" + nameOrPath + ".properties")) {
        if (in == null) {
          throw new IllegalArgumentException("no scenario file '" + nameOrPath + "' and no shipped scenario of that name; shipped: "
              + String.join(", ", SHIPPED));
        }
        text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      }
      name = nameOrPath;
    }
    return parse(name, new StringReader(text), overrides);
  }

  /** Parses properties text; {@code name} is used unless the file sets {@code name=}. */
  public static Scenario parse(String name, Reader text, Map<String, String> overrides) throws IOException {
    Properties props = new Properties();
    props.load(text);
    Map<String, String> v = new LinkedHashMap<>(DEFAULTS);
    v.put("name", name);
    List<String> unknown = new ArrayList<>();
    Map<String, String> given = new LinkedHashMap<>();
    props.stringPropertyNames().forEach(k -> given.put(k, props.getProperty(k).trim()));
    given.putAll(overrides);
    Map<String, String> scheduler = new LinkedHashMap<>();
    for (var e : given.entrySet()) {
      if (e.getKey().startsWith("scheduler.")) {
        scheduler.put(e.getKey().substring("scheduler.".length()), e.getValue());
      } else if (v.containsKey(e.getKey())) {
        v.put(e.getKey(), e.getValue());
      } else {
        unknown.add(e.getKey());
      }
    }
    if (!unknown.isEmpty()) {
      throw new IllegalArgumentException("scenario " + name + ": unknown keys " + unknown + "; known keys: "
          + new TreeSet<>(DEFAULTS.keySet()) + " and scheduler.<" + String.join("|", schedulerKeys()) + ">");
    }
    try {
      return build(v, scheduler(scheduler));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("scenario " + v.get("name") + ": " + e.getMessage(), e);
    }
  }

  private static Scenario build(Map<String, String> v, SchedulerConfig scheduler) {
    long rtt = Units.nanos(v.get("link.rtt"));
    Scenario.Nodes nodes = new Scenario.Nodes(nics(v.get("node.nic"), v.get("node.up")), Units.rate(v.get("node.hash")),
        rtt, integer(v, "neighbours"), Units.nanos(v.get("link.announceInterval")), host(v));
    Scenario.Origin origin = new Scenario.Origin(Units.rate(v.get("origin.perNode")), Units.rate(v.get("origin.aggregate")),
        Units.nanos(v.get("origin.latency")), Double.parseDouble(v.get("origin.requestsPerSecondPerNode")));
    Scenario.Tracker tracker = new Scenario.Tracker(Units.nanos(v.get("tracker.rtt")), Units.nanos(v.get("tracker.leaseTtl")),
        integer(v, "tracker.originCap"), integer(v, "tracker.leaseBatch"), Units.nanos(v.get("tracker.nodeTimeout")));
    Scenario.Nfs nfs = new Scenario.Nfs(Units.rate(v.get("nfs.aggregate")), Units.rate(v.get("nfs.perClient")));
    Scenario.Churn churn = new Scenario.Churn(Double.parseDouble(v.get("churn.late")), Units.nanos(v.get("churn.joinWindow")),
        Double.parseDouble(v.get("churn.leave")), Units.nanos(v.get("churn.leaveFrom")), Units.nanos(v.get("churn.leaveTo")));
    Scenario.Straggler straggler = new Scenario.Straggler(integer(v, "straggler.count"), Units.rate(v.get("straggler.nic")));
    List<Integer> counts = Arrays.stream(v.get("nodes").split(",")).map(String::trim).map(Integer::parseInt).toList();
    long chunk = Units.size(v.get("chunk.size"));
    if (chunk > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("chunk.size " + v.get("chunk.size") + " is larger than 2 GiB");
    }
    return new Scenario(v.get("name"), v.get("description"), counts, Units.size(v.get("model.size")), (int) chunk, nodes,
        origin, tracker, nfs, scheduler, churn, straggler, Long.parseLong(v.get("seed")), Units.nanos(v.get("timeLimit")),
        new Scenario.Cost(Double.parseDouble(v.get("cost.nodeUsdPerHour")), Double.parseDouble(v.get("cost.getUsdPer1000"))));
  }

  /** host.cores ({@code separate} or a positive number) and the CPU time of a MiB ({@code 12ms}) on it. */
  private static Scenario.Host host(Map<String, String> v) {
    String cores = v.get("host.cores");
    if (cores.equals("separate")) {
      return Scenario.Host.SEPARATE;
    }
    double n;
    try {
      n = Double.parseDouble(cores);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("host.cores must be 'separate' or a number of cores, got '" + cores + "'", e);
    }
    double mib = 1 << 20;
    return new Scenario.Host(n, Units.nanos(v.get("host.cpuPerMiB")) / 1e9 / mib,
        Units.nanos(v.get("host.originCpuPerMiB")) / 1e9 / mib);
  }

  /** {@code 25Gbps} or {@code 25Gbps:0.5,100Gbps:0.25,10Gbps:0.25}; upload = download unless node.up is set. */
  private static List<Scenario.NicClass> nics(String text, String up) {
    List<Scenario.NicClass> out = new ArrayList<>();
    String[] parts = text.split(",");
    double total = 0;
    for (String part : parts) {
      String[] rw = part.trim().split(":");
      double rate = Units.rate(rw[0]);
      double weight = rw.length > 1 ? Double.parseDouble(rw[1]) : 1.0 / parts.length;
      total += weight;
      out.add(new Scenario.NicClass(weight, rate, up.isEmpty() ? rate : Units.rate(up)));
    }
    if (Math.abs(total - 1) > 1e-6) {
      throw new IllegalArgumentException("node.nic weights must sum to 1, got " + total + " in '" + text + "'");
    }
    return out;
  }

  private static int integer(Map<String, String> v, String key) {
    try {
      return Integer.parseInt(v.get(key));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(key + " must be an integer, got '" + v.get(key) + "'", e);
    }
  }

  private static List<String> schedulerKeys() {
    return Arrays.stream(SchedulerConfig.class.getRecordComponents()).map(RecordComponent::getName).toList();
  }

  /** The agent's defaults with the named components replaced; ints, byte rates and durations parse by the component's type. */
  static SchedulerConfig scheduler(Map<String, String> overrides) {
    SchedulerConfig base = SchedulerConfig.defaults();
    RecordComponent[] comps = SchedulerConfig.class.getRecordComponents();
    Object[] args = new Object[comps.length];
    Class<?>[] types = new Class<?>[comps.length];
    Map<String, String> left = new LinkedHashMap<>(overrides);
    try {
      for (int i = 0; i < comps.length; i++) {
        types[i] = comps[i].getType();
        String text = left.remove(comps[i].getName());
        args[i] = text == null ? comps[i].getAccessor().invoke(base) : value(comps[i], text);
      }
      if (!left.isEmpty()) {
        throw new IllegalArgumentException("unknown scheduler settings " + left.keySet() + "; SchedulerConfig has " + schedulerKeys());
      }
      Constructor<SchedulerConfig> c = SchedulerConfig.class.getDeclaredConstructor(types);
      return c.newInstance(args);
    } catch (java.lang.reflect.InvocationTargetException e) {
      throw new IllegalArgumentException("scheduler settings " + overrides + " rejected: " + e.getCause().getMessage(), e.getCause());
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("cannot build SchedulerConfig reflectively", e);
    }
  }

  private static Object value(RecordComponent c, String text) {
    Class<?> t = c.getType();
    if (t == int.class) {
      return Integer.parseInt(text);
    }
    if (t == long.class) {
      if (text.matches("[0-9]+")) {
        return Long.parseLong(text);
      }
      double r = Units.rate(text);
      return Double.isInfinite(r) ? 0L : (long) r;
    }
    if (t == Duration.class) {
      return Duration.ofNanos(Units.nanos(text));
    }
    if (t == boolean.class) {
      return Boolean.parseBoolean(text);
    }
    if (t == double.class) {
      return Double.parseDouble(text);
    }
    throw new IllegalArgumentException("scheduler." + c.getName() + " has type " + t.getSimpleName() + ", which scenario files cannot set");
  }

  private static Map<String, String> defaults() {
    Map<String, String> d = new LinkedHashMap<>();
    d.put("name", "");
    d.put("description", "");
    d.put("nodes", "50");
    d.put("model.size", "140GB");
    d.put("chunk.size", "64MiB");
    d.put("node.nic", "25Gbps");
    d.put("node.up", "");
    d.put("node.hash", "4GB/s");
    d.put("link.rtt", "200us");
    d.put("link.announceInterval", "0s");
    d.put("host.cores", "separate");
    d.put("host.cpuPerMiB", "0s");
    d.put("host.originCpuPerMiB", "0s");
    d.put("neighbours", "16");
    d.put("origin.perNode", "500MB/s");
    d.put("origin.aggregate", "unlimited");
    d.put("origin.latency", "30ms");
    d.put("origin.requestsPerSecondPerNode", "0");
    d.put("tracker.rtt", "1ms");
    d.put("tracker.leaseTtl", "10s");
    d.put("tracker.originCap", "64");
    d.put("tracker.leaseBatch", "4");
    d.put("tracker.nodeTimeout", "30s");
    d.put("nfs.aggregate", "2.5GB/s");
    d.put("nfs.perClient", "unlimited");
    d.put("churn.late", "0");
    d.put("churn.joinWindow", "0s");
    d.put("churn.leave", "0");
    d.put("churn.leaveFrom", "0s");
    d.put("churn.leaveTo", "0s");
    d.put("straggler.count", "0");
    d.put("straggler.nic", "100Mbps");
    d.put("seed", "1");
    d.put("timeLimit", "6h");
    d.put("cost.nodeUsdPerHour", "40");
    d.put("cost.getUsdPer1000", "0.0004");
    return Map.copyOf(d);
  }
}
