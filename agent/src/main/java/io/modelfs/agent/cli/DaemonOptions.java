package io.modelfs.agent.cli;

import io.modelfs.agent.http.SwarmJson;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Locale;
import java.util.function.Function;
import java.util.regex.Pattern;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The options every daemon ({@code agent}, {@code tracker}) shares: where its configuration comes
 * from ({@link ConfigLayers}), {@code --print-config}, and the log format. Used as a picocli
 * {@link Mixin}; a command calls {@link #begin} first thing in {@code call()}.
 */
final class DaemonOptions {
  /** Settings whose values are secrets and are never printed (none holds one today: secrets live in files). */
  private static final Pattern SECRET = Pattern.compile(".*(secret|password|token|credential)(?!.*-file$).*");

  @Spec(Spec.Target.MIXEE)
  CommandSpec spec;

  @Option(names = ConfigLayers.FILE_OPTION, paramLabel = "FILE",
      description = "YAML file of settings (each is a long option without the dashes, e.g. 'read-timeout: 5m'); default:"
          + " the file $MODELFS_CONFIG names. Flags override environment variables (MODELFS_<SETTING>, e.g."
          + " MODELFS_READ_TIMEOUT), which override the file, which overrides the built-in defaults.")
  Path configFile;

  @Option(names = "--print-config",
      description = "Print the effective configuration, each value with where it came from, and exit (secrets are never printed).")
  boolean printConfig;

  @Option(names = "--log-format", paramLabel = "text|json",
      description = "Log lines as text (key=value context at the end) or JSON lines (timestamp, level, logger, thread,"
          + " message, MDC) (default: ${DEFAULT-VALUE}).")
  String logFormat = "text";

  /**
   * Checks the configuration layers (the file: readable, YAML, known keys) and the log format;
   * call first. Throws IllegalArgumentException naming the file, setting, value and source.
   */
  void begin() {
    ConfigLayers layers = layers();
    if (layers != null) {
      layers.check(spec);
    }
    parse("log-format", logFormat, LogFormat::parse);
  }

  /**
   * Call once the command has checked its values: with {@code --print-config} prints the
   * configuration and returns true (the command then exits 0); otherwise switches the log format
   * and returns false.
   */
  boolean printedOrLogging() {
    if (printConfig) {
      print(spec.commandLine().getOut());
      return true;
    }
    LogFormat.parse(logFormat).apply();
    return false;
  }

  /** {@code parser.apply(raw)}; a failure names the setting, the value and where the value came from. */
  <T> T parse(String key, String raw, Function<String, T> parser) {
    try {
      return parser.apply(raw);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("bad value '" + raw + "' for setting '" + key + "' (from " + source(key) + "): "
          + e.getMessage(), e);
    }
  }

  /** Throws IllegalArgumentException saying how to give {@code key} if {@code value} is null. */
  void require(String key, Object value) {
    if (value == null) {
      throw new IllegalArgumentException("setting '" + key + "' is required: give --" + key + ", "
          + ConfigLayers.variable(key) + ", or '" + key + ":' in the config file");
    }
  }

  /** Where setting {@code key} of this command came from. */
  String source(String key) {
    OptionSpec o = spec.findOption("--" + key);
    ConfigLayers layers = layers();
    if (o == null) {
      return "unknown";
    }
    if (layers == null) {
      return spec.commandLine().getParseResult().hasMatchedOption(o) ? "flag --" + key : "default";
    }
    return layers.source(o);
  }

  private ConfigLayers layers() {
    return spec.defaultValueProvider() instanceof ConfigLayers l ? l : null;
  }

  /** {@code key: value  # source} per setting, as YAML that could be fed back as a config file. */
  void print(PrintWriter out) {
    out.println("# modelfs " + spec.name() + ": effective configuration (flags > MODELFS_* variables > config file > defaults)");
    for (OptionSpec o : spec.options()) {
      if (!ConfigLayers.isSetting(o)) {
        continue;
      }
      String key = ConfigLayers.key(o);
      String value = SECRET.matcher(key).matches() && o.getValue() != null ? "<redacted>" : yaml(o.getValue());
      out.printf("%-24s %-40s # %s%n", key + ":", value, source(key));
    }
    out.flush();
  }

  private static String yaml(Object value) {
    if (value == null) {
      return "null";
    }
    if (value instanceof Boolean || value instanceof Number) {
      return value.toString();
    }
    if (value instanceof Collection<?> c) {
      return "[" + String.join(", ", c.stream().map(v -> scalar(String.valueOf(v))).toList()) + "]";
    }
    return scalar(String.valueOf(value));
  }

  /** Plain if YAML reads it back as the same string, else double-quoted (JSON-style escapes). */
  private static String scalar(String s) {
    boolean plain = !s.isEmpty() && s.matches("[A-Za-z0-9_./@=:,+-]+") && !s.contains(": ") && !s.endsWith(":")
        && !s.toLowerCase(Locale.ROOT).matches("true|false|yes|no|on|off|null|~");
    return plain ? s : SwarmJson.quote(s);
  }
}
