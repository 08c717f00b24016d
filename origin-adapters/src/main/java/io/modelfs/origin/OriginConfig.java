package io.modelfs.origin;

import io.modelfs.core.ByteSize;
import io.modelfs.core.Durations;
import java.io.IOException;
import java.io.Reader;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;

/**
 * Per-prefix origin settings, read from the agent's (and import's) configuration file: the
 * longest prefix that a URI starts with wins; a URI no prefix covers gets the defaults. The
 * file is Java properties:
 *
 * <pre>
 * # every origin
 * default.concurrency = 16
 * # one block per prefix, under any id
 * origin.minio.prefix      = s3://models/
 * origin.minio.endpoint    = http://10.0.0.5:9000
 * origin.minio.region      = us-east-1
 * origin.minio.credentials = file:/etc/modelfs/minio.properties
 * origin.minio.rate-cap    = 200MiB
 * </pre>
 *
 * Keys per block: {@code prefix} (blocks only), {@code endpoint}, {@code region}, {@code
 * credentials} (a source, never a secret: see {@link Credentials}), {@code path-style}
 * ({@code true}/{@code false}), {@code checksums} ({@code when-supported}/{@code
 * when-required}), {@code rate-cap} (bytes per second, e.g. {@code 200MiB}), {@code part-size},
 * {@code concurrency}, {@code attempts}, {@code retry-time} (e.g. {@code 60s}). An unknown key or
 * a bad value is an error naming the file, the key and the value.
 */
public final class OriginConfig {
  private static final Set<String> KEYS = Set.of("prefix", "endpoint", "region", "credentials", "path-style",
      "checksums", "rate-cap", "part-size", "concurrency", "attempts", "retry-time");

  private final OriginSettings defaults;
  private final List<Map.Entry<String, OriginSettings>> prefixes;

  private OriginConfig(OriginSettings defaults, List<Map.Entry<String, OriginSettings>> prefixes) {
    this.defaults = defaults;
    this.prefixes = List.copyOf(prefixes);
  }

  public static OriginConfig defaults() {
    return new OriginConfig(OriginSettings.defaults(), List.of());
  }

  /** One prefix with its settings, the rest with {@code defaults}. */
  public static OriginConfig of(OriginSettings defaults, String prefix, OriginSettings settings) {
    return new OriginConfig(defaults, List.of(Map.entry(prefix, settings)));
  }

  /** Reads a configuration file as the class describes. */
  public static OriginConfig load(Path file) throws IOException {
    Properties p = new Properties();
    try (Reader r = Files.newBufferedReader(file)) {
      p.load(r);
    }
    return parse(p, file.toString());
  }

  static OriginConfig parse(Properties p, String source) {
    Map<String, Map<String, String>> blocks = new TreeMap<>();
    for (String key : p.stringPropertyNames()) {
      String value = p.getProperty(key).trim();
      String block;
      String field;
      if (key.startsWith("default.")) {
        block = "";
        field = key.substring("default.".length());
      } else if (key.startsWith("origin.") && key.indexOf('.', 7) > 7) {
        block = key.substring(7, key.indexOf('.', 7));
        field = key.substring(key.indexOf('.', 7) + 1);
      } else {
        throw new IllegalArgumentException(source + ": unknown key '" + key
            + "' (expected default.<setting> or origin.<id>.<setting>)");
      }
      if (!KEYS.contains(field) || (block.isEmpty() && field.equals("prefix"))) {
        throw new IllegalArgumentException(source + ": unknown setting '" + field + "' in key '" + key
            + "'; known: " + new java.util.TreeSet<>(KEYS));
      }
      blocks.computeIfAbsent(block, b -> new TreeMap<>()).put(field, value);
    }
    OriginSettings defaults = apply(OriginSettings.defaults(), blocks.getOrDefault("", Map.of()), source, "default");
    List<Map.Entry<String, OriginSettings>> prefixes = new ArrayList<>();
    for (Map.Entry<String, Map<String, String>> b : blocks.entrySet()) {
      if (b.getKey().isEmpty()) {
        continue;
      }
      String prefix = b.getValue().get("prefix");
      if (prefix == null || !prefix.contains(":")) {
        throw new IllegalArgumentException(source + ": origin." + b.getKey()
            + ".prefix is missing or not a URI (e.g. s3://bucket/models/), got '" + prefix + "'");
      }
      prefixes.add(Map.entry(prefix, apply(defaults, b.getValue(), source, "origin." + b.getKey())));
    }
    return new OriginConfig(defaults, prefixes);
  }

  /** The settings for {@code uri}: the block with the longest matching prefix, else defaults. */
  public OriginSettings settingsFor(String uri) {
    return prefixes.stream()
        .filter(e -> uri.startsWith(e.getKey()))
        .max(Comparator.comparingInt(e -> e.getKey().length()))
        .map(Map.Entry::getValue)
        .orElse(defaults);
  }

  private static OriginSettings apply(OriginSettings base, Map<String, String> f, String source, String block) {
    String current = null;
    try {
      URI endpoint = base.endpoint();
      if ((current = f.get("endpoint")) != null) {
        endpoint = URI.create(current);
        if (endpoint.getScheme() == null || endpoint.getHost() == null) {
          throw new IllegalArgumentException("an endpoint needs a scheme and a host, e.g. http://127.0.0.1:9000");
        }
      }
      String region = f.getOrDefault("region", base.region());
      String credentials = f.getOrDefault("credentials", base.credentials());
      if (f.containsKey("credentials")) {
        current = credentials;
        Credentials.checkSource(credentials);
      }
      Boolean pathStyle = base.pathStyle();
      if ((current = f.get("path-style")) != null) {
        pathStyle = bool(current);
      }
      boolean whenRequired = base.checksumsWhenRequired();
      if ((current = f.get("checksums")) != null) {
        whenRequired = switch (current) {
          case "when-required" -> true;
          case "when-supported" -> false;
          default -> throw new IllegalArgumentException("expected when-required or when-supported");
        };
      }
      long rateCap = (current = f.get("rate-cap")) != null ? ByteSize.parse(current) : base.rateCap();
      long partSize = (current = f.get("part-size")) != null ? ByteSize.parse(current) : base.partSize();
      int concurrency = (current = f.get("concurrency")) != null ? Integer.parseInt(current) : base.concurrency();
      int attempts = (current = f.get("attempts")) != null ? Integer.parseInt(current) : base.attempts();
      var retryTime = (current = f.get("retry-time")) != null ? Durations.parse(current) : base.retryTime();
      current = null;
      return new OriginSettings(endpoint, region, credentials, pathStyle, whenRequired, rateCap, partSize,
          concurrency, attempts, retryTime);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(source + ": " + block
          + (current == null ? "" : " value '" + current + "'") + ": " + e.getMessage(), e);
    }
  }

  private static boolean bool(String v) {
    return switch (v) {
      case "true" -> true;
      case "false" -> false;
      default -> throw new IllegalArgumentException("expected true or false");
    };
  }
}
