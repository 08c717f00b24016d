package io.modelfs.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.modelfs.agent.control.ControlClient;
import io.modelfs.agent.demo.SampleModel;
import io.modelfs.core.proto.ControlRequest;
import io.modelfs.core.proto.ControlResponse;
import io.modelfs.core.proto.PullRequest;
import io.modelfs.origin.Importer;
import io.modelfs.origin.ManifestStore;
import io.modelfs.origin.Origins;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code modelfs agent} as a user runs it (the built jar, a child process) with the log format
 * set to JSON through its environment variable: every line it writes to stderr, from start
 * through a pull to the unmount on SIGTERM, is one JSON object with the timestamp, level,
 * logger, thread and message, the node id on every line and the model ref on the pull's lines.
 */
class LogFormatIT {
  private static final Path JAR = Path.of("target/modelfs.jar").toAbsolutePath();

  @TempDir Path tmp;

  @Test
  void jsonLogsAreOneParsableObjectPerLineWithNodeAndModel() throws Exception {
    Path source = tmp.resolve("model");
    SampleModel.generate(source, 3L << 20, 1);
    Importer.Result r = new Importer(new Importer.Config(1 << 20, 2)).run(Origins.open(source.toString()), "logged",
        AgentIT.noProgress());
    Path manifests = source.resolve(".modelfs/manifests");
    var ref = new ManifestStore(Origins.open(manifests.toString())).publish(r);

    Path sock = tmp.resolve("agent.sock");
    Path mnt = tmp.resolve("mnt");
    Path log = tmp.resolve("agent.log");
    ProcessBuilder pb = new ProcessBuilder("java", "-jar", JAR.toString(), "agent", "--mount", mnt.toString(),
        "--store", tmp.resolve("store").toString(), "--manifests", manifests.toString(), "--control", sock.toString(),
        "--http", "127.0.0.1:0", "--node-id", "node-7")
        .redirectOutput(tmp.resolve("agent.out").toFile()).redirectError(log.toFile());
    pb.environment().put("MODELFS_LOG_FORMAT", "json");
    Process agent = pb.start();
    try {
      for (int i = 0; i < 600 && !Files.exists(sock); i++) { // a loaded 2-core machine can take a while to mount
        Thread.sleep(100);
      }
      assertTrue(Files.exists(sock), "agent started: " + Files.readString(log));
      ControlResponse done = ControlClient.call(sock,
          ControlRequest.newBuilder().setPull(PullRequest.newBuilder().setRef(ref.toString())).build(), p -> {});
      assertTrue(done.hasDone(), done.toString());
      agent.destroy(); // SIGTERM: the agent logs its shutdown too
      assertTrue(agent.waitFor(30, TimeUnit.SECONDS), "agent stops on SIGTERM");
    } finally {
      agent.destroyForcibly();
      agent.waitFor(10, TimeUnit.SECONDS);
      new ProcessBuilder("umount", "-l", mnt.toString()).start().waitFor(10, TimeUnit.SECONDS);
    }

    List<JsonNode> lines = parse(log);
    assertTrue(lines.size() >= 4, "start, pull started, pull done, stop: " + Files.readString(log));
    for (JsonNode l : lines) {
      for (String field : List.of("timestamp", "level", "loggerName", "threadName", "message", "formattedMessage")) {
        assertTrue(l.hasNonNull(field), field + " missing in " + l);
      }
      assertEquals("node-7", l.path("context").path("properties").path("node").asText(), "node id on every line: " + l);
    }
    assertTrue(lines.stream().anyMatch(l -> l.path("formattedMessage").asText().startsWith("pull of " + ref + " done")
        && l.path("mdc").path("model").asText().equals(ref.toString())), "the pull's lines carry the model: " + lines);
    assertTrue(lines.stream().anyMatch(l -> l.path("formattedMessage").asText().startsWith("agent stopped;")
        && l.path("message").asText().equals("agent stopped; {} unmounted")), lines.toString());
  }

  /** Every line of the file as JSON; a line that is not JSON fails the test, naming it. */
  private static List<JsonNode> parse(Path log) throws IOException {
    ObjectMapper json = new ObjectMapper();
    List<JsonNode> out = new ArrayList<>();
    for (String line : Files.readAllLines(log)) {
      if (line.isBlank()) {
        continue;
      }
      try {
        out.add(json.readTree(line));
      } catch (IOException e) {
        throw new AssertionError("not a JSON line: " + line, e);
      }
    }
    return out;
  }
}
