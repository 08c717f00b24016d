package io.modelfs.agent.cli;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Where a daemon's settings come from, each layer overriding the one before it: the built-in
 * defaults, a YAML file ({@code --config-file FILE}, else the file {@code $MODELFS_CONFIG} names),
 * environment variables ({@code MODELFS_<SETTING>}) and the command-line flags. A setting's name
 * is its long option without the dashes ({@code read-timeout}); its variable is that name in upper
 * case with {@code _} for {@code -} ({@code MODELFS_READ_TIMEOUT}); a list is a YAML sequence or a
 * comma-separated value.
 *
 * <p>Plugged into picocli as the commands' default-value provider, which picocli asks only for
 * options not given as flags, after the flags are parsed (so {@code --config-file} is known). The
 * file is read once, with SnakeYAML's {@link SafeConstructor} (no arbitrary types), duplicate
 * keys refused. A file that cannot be used is not thrown from inside picocli: {@link #check}
 * throws it, naming the file and the key, before the command does anything.
 */
final class ConfigLayers implements CommandLine.IDefaultValueProvider {
  static final String FILE_VARIABLE = "MODELFS_CONFIG";
  static final String FILE_OPTION = "--config-file";
  /** Options that are about the configuration itself, not settings. */
  private static final Set<String> NOT_SETTINGS = Set.of("help", "version", "print-config", "config-file");

  private final Map<String, String> env;
  private final Map<String, String> used = new ConcurrentHashMap<>();
  private volatile Loaded file;

  /** A file's settings (or why it could not be read) and where it came from. */
  private record Loaded(Path path, String via, Map<String, String> values, IllegalArgumentException error) {}

  ConfigLayers(Map<String, String> env) {
    this.env = Map.copyOf(env);
  }

  /** {@code read-timeout} for {@code --read-timeout}. */
  static String key(OptionSpec o) {
    return o.longestName().replaceFirst("^-+", "");
  }

  /** {@code MODELFS_READ_TIMEOUT} for {@code read-timeout}. */
  static String variable(String key) {
    return "MODELFS_" + key.toUpperCase(Locale.ROOT).replace('-', '_');
  }

  static boolean isSetting(OptionSpec o) {
    return !o.usageHelp() && !o.versionHelp() && !NOT_SETTINGS.contains(key(o));
  }

  @Override
  public String defaultValue(ArgSpec arg) {
    if (!(arg instanceof OptionSpec o) || !isSetting(o)) {
      return null;
    }
    String key = key(o);
    String fromEnv = env.get(variable(key));
    if (fromEnv != null) {
      used.put(key, "environment variable " + variable(key));
      return fromEnv;
    }
    Loaded f = file(o.command());
    if (f != null && f.error() == null && f.values().containsKey(key)) {
      used.put(key, "file " + f.path());
      return f.values().get(key);
    }
    return null;
  }

  /** Throws IllegalArgumentException naming the file and the reason if the config file cannot be used. */
  void check(CommandSpec command) {
    Loaded f = file(command);
    if (f != null && f.error() != null) {
      throw f.error();
    }
  }

  /** Where the value of {@code o} came from: {@code flag --x}, a variable, the file, or {@code default}. */
  String source(OptionSpec o) {
    CommandLine.ParseResult parsed = o.command().commandLine() == null ? null : o.command().commandLine().getParseResult();
    if (parsed != null && parsed.hasMatchedOption(o)) {
      return "flag " + o.longestName();
    }
    return used.getOrDefault(key(o), "default");
  }

  /** Whether a layer other than the built-in default supplied {@code o}'s value. */
  boolean fromLayer(OptionSpec o) {
    return used.containsKey(key(o));
  }

  private Loaded file(CommandSpec command) {
    Loaded f = file;
    if (f != null) {
      return f.path() == null ? null : f;
    }
    synchronized (this) {
      if (file == null) {
        file = load(command);
      }
      return file.path() == null ? null : file;
    }
  }

  private Loaded load(CommandSpec command) {
    OptionSpec flag = command.findOption(FILE_OPTION);
    Object given = flag == null ? null : flag.getValue();
    Path path;
    String via;
    if (given != null) {
      path = (Path) given;
      via = FILE_OPTION;
    } else if (env.get(FILE_VARIABLE) != null && !env.get(FILE_VARIABLE).isBlank()) {
      path = Path.of(env.get(FILE_VARIABLE));
      via = "$" + FILE_VARIABLE;
    } else {
      return new Loaded(null, null, Map.of(), null);
    }
    try {
      return new Loaded(path, via, parse(path, via, settings(command)), null);
    } catch (IllegalArgumentException e) {
      return new Loaded(path, via, Map.of(), e);
    }
  }

  /** The setting names {@code command} accepts. */
  static Set<String> settings(CommandSpec command) {
    Set<String> keys = new TreeSet<>();
    for (OptionSpec o : command.options()) {
      if (isSetting(o)) {
        keys.add(key(o));
      }
    }
    return keys;
  }

  /** Reads a YAML mapping of settings; throws IllegalArgumentException naming the file, the key and the problem. */
  static Map<String, String> parse(Path path, String via, Set<String> known) {
    Object doc;
    LoaderOptions options = new LoaderOptions();
    options.setAllowDuplicateKeys(false);
    options.setMaxAliasesForCollections(10);
    try (Reader in = Files.newBufferedReader(path)) {
      doc = new Yaml(new SafeConstructor(options)).load(in);
    } catch (NoSuchFileException e) {
      throw new IllegalArgumentException("config file " + path + " (from " + via + ") does not exist");
    } catch (IOException e) {
      throw new IllegalArgumentException("config file " + path + " (from " + via + ") cannot be read: " + e.getMessage());
    } catch (YAMLException e) {
      throw new IllegalArgumentException("config file " + path + " is not valid YAML: " + e.getMessage().strip());
    }
    if (doc == null) {
      return Map.of();
    }
    if (!(doc instanceof Map<?, ?> map)) {
      throw new IllegalArgumentException("config file " + path + " must be a mapping of setting: value, not a "
          + doc.getClass().getSimpleName());
    }
    Map<String, String> out = new LinkedHashMap<>();
    for (Map.Entry<?, ?> e : map.entrySet()) {
      String key = String.valueOf(e.getKey());
      if (!known.contains(key)) {
        throw new IllegalArgumentException("unknown setting '" + key + "' in config file " + path + " (settings: "
            + String.join(", ", known) + ")");
      }
      out.put(key, scalarOrList(path, key, e.getValue()));
    }
    return out;
  }

  private static String scalarOrList(Path path, String key, Object value) {
    if (value == null) {
      throw new IllegalArgumentException("setting '" + key + "' in config file " + path + " has no value");
    }
    if (value instanceof List<?> list) {
      List<String> items = new ArrayList<>();
      for (Object item : list) {
        if (item == null || item instanceof Map || item instanceof List) {
          throw new IllegalArgumentException("setting '" + key + "' in config file " + path
              + " must be a list of plain values, not " + item);
        }
        items.add(String.valueOf(item));
      }
      return String.join(",", items);
    }
    if (value instanceof Map) {
      throw new IllegalArgumentException("setting '" + key + "' in config file " + path
          + " must be a value or a list, not a mapping");
    }
    return String.valueOf(value);
  }
}
