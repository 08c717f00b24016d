package io.modelfs.agent.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The daemons' configuration layers through the real command line: built-in defaults, a YAML
 * file, MODELFS_* variables and flags, each overriding the one before, as {@code --print-config}
 * shows them; and the errors a bad file or value gets.
 */
class ConfigLayersTest {
  @TempDir Path tmp;

  private record Run(int exit, String out, String err) {
    /** The printed line of {@code key}, e.g. {@code read-timeout: 5m  # flag --read-timeout}. */
    String line(String key) {
      return out.lines().filter(l -> l.startsWith(key + ":")).findFirst()
          .orElseThrow(() -> new AssertionError("no line for " + key + " in:\n" + out)).replaceAll("\\s+", " ");
    }
  }

  private static Run run(Map<String, String> env, String... args) {
    CommandLine cl = Main.commandLine(env);
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    int exit = cl.execute(args);
    return new Run(exit, out.toString(), err.toString());
  }

  private static Run agent(Map<String, String> env, String... args) {
    List<String> all = new ArrayList<>(List.of("agent", "--print-config"));
    all.addAll(List.of(args));
    return run(env, all.toArray(String[]::new));
  }

  private Path yaml(String text) throws IOException {
    return Files.writeString(tmp.resolve("modelfs-" + text.hashCode() + ".yaml"), text);
  }

  @Test
  void eachLayerOverridesTheOneBelowIt() throws IOException {
    Path file = yaml("read-timeout: 5m\nfetch-threads: 4\nreadahead: 3\nstore-min-free: 2GiB\n");
    Map<String, String> env = Map.of("MODELFS_READ_TIMEOUT", "7m", "MODELFS_FETCH_THREADS", "6");

    Run defaults = agent(Map.of());
    assertEquals(0, defaults.exit, defaults.err);
    assertEquals("read-timeout: 3m # default", defaults.line("read-timeout"));
    assertEquals("fetch-threads: 8 # default", defaults.line("fetch-threads"));

    Run fromFile = agent(Map.of(), "--config-file", file.toString());
    assertEquals("read-timeout: 5m # file " + file, fromFile.line("read-timeout"));
    assertEquals("readahead: 3 # file " + file, fromFile.line("readahead"));

    Run fromEnv = agent(env, "--config-file", file.toString());
    assertEquals("read-timeout: 7m # environment variable MODELFS_READ_TIMEOUT", fromEnv.line("read-timeout"));
    assertEquals("fetch-threads: 6 # environment variable MODELFS_FETCH_THREADS", fromEnv.line("fetch-threads"));
    assertEquals("store-min-free: 2GiB # file " + file, fromEnv.line("store-min-free"));

    Run fromFlag = agent(env, "--config-file", file.toString(), "--read-timeout", "9m");
    assertEquals(0, fromFlag.exit, fromFlag.err);
    assertEquals("read-timeout: 9m # flag --read-timeout", fromFlag.line("read-timeout"));
    assertEquals("fetch-threads: 6 # environment variable MODELFS_FETCH_THREADS", fromFlag.line("fetch-threads"));
    assertEquals("readahead: 3 # file " + file, fromFlag.line("readahead"));
    assertEquals("kernel-readahead-kb: 0 # default", fromFlag.line("kernel-readahead-kb").replaceAll(": \\d+", ": 0"));
  }

  @Test
  void theFileComesFromModelfsConfigUnlessTheFlagNamesOne() throws IOException {
    Path viaEnv = yaml("fetch-threads: 2\n");
    Path viaFlag = yaml("fetch-threads: 3\n");
    assertEquals("fetch-threads: 2 # file " + viaEnv,
        agent(Map.of("MODELFS_CONFIG", viaEnv.toString())).line("fetch-threads"));
    assertEquals("fetch-threads: 3 # file " + viaFlag,
        agent(Map.of("MODELFS_CONFIG", viaEnv.toString()), "--config-file", viaFlag.toString()).line("fetch-threads"));
  }

  @Test
  void listsBooleansAndTheLogFormatComeThroughEveryLayer() throws IOException {
    Path file = yaml("manifests:\n  - file:///a/manifests\n  - s3://bucket/manifests\nformat-prefetch: false\nlog-format: json\n");
    Path key = Files.writeString(tmp.resolve("swarm.key"), "test-swarm-secret-0123456789abcdef\n");
    Run r = agent(Map.of("MODELFS_PEER", "10.0.0.1:7000,10.0.0.2:7000", "MODELFS_LISTEN", "127.0.0.1:7000",
        "MODELFS_SWARM_KEY_FILE", key.toString()), "--config-file", file.toString());
    assertEquals(0, r.exit, r.err);
    assertEquals("manifests: [file:///a/manifests, s3://bucket/manifests] # file " + file, r.line("manifests"));
    assertEquals("format-prefetch: false # file " + file, r.line("format-prefetch"));
    assertEquals("log-format: json # file " + file, r.line("log-format"));
    assertEquals("peer: [10.0.0.1:7000, 10.0.0.2:7000] # environment variable MODELFS_PEER", r.line("peer"));
    Run flag = agent(Map.of("MODELFS_LOG_FORMAT", "json"), "--log-format", "text");
    assertEquals("log-format: text # flag --log-format", flag.line("log-format"));
  }

  @Test
  void theTrackerTakesItsSettingsTheSameWay() throws IOException {
    Path file = yaml("id: t1\npeers: t1=127.0.0.1:7300\ndata: /var/lib/t1\n");
    Run r = run(Map.of("MODELFS_LEASE_TTL", "20s"), "tracker", "--print-config", "--config-file", file.toString(),
        "--http", "127.0.0.1:7071");
    assertEquals(0, r.exit, r.err);
    assertEquals("id: t1 # file " + file, r.line("id"));
    assertEquals("lease-ttl: 20s # environment variable MODELFS_LEASE_TTL", r.line("lease-ttl"));
    assertEquals("http: 127.0.0.1:7071 # flag --http", r.line("http"));
    assertEquals("origin-cap: 64 # default", r.line("origin-cap"));
  }

  @Test
  void anUnknownKeyInTheFileIsAnErrorNamingTheKeyAndTheFile() throws IOException {
    Path file = yaml("read-timeout: 5m\nfetch-thread: 4\n");
    Run r = agent(Map.of(), "--config-file", file.toString());
    assertEquals(1, r.exit);
    assertTrue(r.err.contains("unknown setting 'fetch-thread'") && r.err.contains(file.toString()), r.err);
    assertTrue(r.err.contains("fetch-threads"), "lists the settings there are: " + r.err);
  }

  @Test
  void aFileThatIsMissingOrNotAMappingIsAnErrorNamingIt() throws IOException {
    Path missing = tmp.resolve("nope.yaml");
    Run r = agent(Map.of("MODELFS_CONFIG", missing.toString()));
    assertEquals(1, r.exit);
    assertTrue(r.err.contains(missing + " (from $MODELFS_CONFIG) does not exist"), r.err);
    Path list = yaml("- read-timeout\n- 5m\n");
    Run notMap = agent(Map.of(), "--config-file", list.toString());
    assertEquals(1, notMap.exit);
    assertTrue(notMap.err.contains("must be a mapping"), notMap.err);
    Path dup = yaml("readahead: 1\nreadahead: 2\n");
    Run twice = agent(Map.of(), "--config-file", dup.toString());
    assertEquals(1, twice.exit);
    assertTrue(twice.err.contains(dup.toString()) && twice.err.contains("readahead"), twice.err);
  }

  @Test
  void aBadValueNamesTheKeyTheValueAndTheLayer() throws IOException {
    Run env = agent(Map.of("MODELFS_FETCH_THREADS", "many"));
    assertEquals(2, env.exit, "a parameter error");
    assertTrue(env.err.contains("'fetch-threads'") && env.err.contains("'many'")
        && env.err.contains("environment variable MODELFS_FETCH_THREADS"), env.err);

    Path file = yaml("read-timeout: soon\n");
    Run fromFile = agent(Map.of(), "--config-file", file.toString());
    assertEquals(1, fromFile.exit);
    assertTrue(fromFile.err.contains("bad value 'soon' for setting 'read-timeout' (from file " + file + ")"), fromFile.err);

    Run fromFlag = agent(Map.of(), "--store-budget", "lots");
    assertEquals(1, fromFlag.exit);
    assertTrue(fromFlag.err.contains("bad value 'lots' for setting 'store-budget' (from flag --store-budget)"), fromFlag.err);

    Run format = agent(Map.of("MODELFS_LOG_FORMAT", "xml"));
    assertEquals(1, format.exit);
    assertTrue(format.err.contains("bad value 'xml' for setting 'log-format' (from environment variable MODELFS_LOG_FORMAT)"),
        format.err);
  }

  @Test
  void requiredSettingsMaySitInAnyLayerAndTheirAbsenceSaysHowToGiveThem() {
    Map<String, String> env = new HashMap<>();
    env.put("MODELFS_MOUNT", tmp.resolve("mnt").toString());
    Run r = run(env, "agent", "--manifests", "file:///x");
    assertEquals(1, r.exit);
    assertTrue(r.err.contains("setting 'store' is required: give --store, MODELFS_STORE, or 'store:' in the config file"),
        r.err);
  }

  @Test
  void printConfigPrintsPathsToSecretsNeverTheirContents() throws IOException {
    Path key = Files.writeString(tmp.resolve("swarm.key"), "very-secret-swarm-key-0123456789\n");
    Run r = agent(Map.of("MODELFS_SWARM_KEY_FILE", key.toString()));
    assertEquals(0, r.exit, r.err);
    assertEquals("swarm-key-file: " + key + " # environment variable MODELFS_SWARM_KEY_FILE", r.line("swarm-key-file"));
    assertFalse(r.out.contains("very-secret"), r.out);
  }
}
