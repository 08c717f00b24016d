package io.modelfs.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.google.protobuf.util.JsonFormat;
import io.modelfs.agent.control.ControlClient;
import io.modelfs.agent.http.HttpAddress;
import io.modelfs.core.ModelRef;
import io.modelfs.core.proto.AgentStatus;
import io.modelfs.core.proto.ControlRequest;
import io.modelfs.core.proto.ControlResponse;
import io.modelfs.core.proto.ModelCompletion;
import io.modelfs.core.proto.PullRequest;
import io.modelfs.origin.Importer;
import io.modelfs.origin.ManifestStore;
import io.modelfs.origin.Origins;
import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * The dashboard in a real headless Chromium. Node view: an agent with a real mount; a pull of a
 * model of many small chunks runs while the page is open, and the completion the page shows
 * rises from below 100% to 100% without a reload and then agrees with {@code /api/status}.
 * Swarm view: three agents and a tracker ({@link SwarmBuilder}); one node's page shows another
 * node's pull rising to 100% (through the tracker), agreeing with {@code /api/swarm} and that
 * node's {@code modelfs ls}, and the swarm's traffic and origin bytes saved as the nodes report
 * them to the tracker. Also checks the other endpoints. Leaves screenshots at
 * {@code agent/target/dashboard.png} and {@code agent/target/dashboard-swarm.png}. Skipped (an
 * assumption, with the reason) where Debian's chromium and chromedriver are not installed.
 */
class DashboardIT {
  private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
  private static final int CS = 4 << 10; // the smallest chunk: many chunks, so the pull takes a while
  private static final int FILE_BYTES = 2 << 20;
  /** Each chunk request waits this long at the origin: the pull of 512 chunks takes at least 2.5 s. */
  private static final long ORIGIN_DELAY_MILLIS = 5;

  @TempDir Path tmp;
  private Agent agent;
  private ModelRef ref;
  private ChromeDriver browser;
  private SlowHttpOrigin origin;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private SwarmBuilder.LocalSwarm swarm;

  private void startAgent() throws IOException {
    byte[] data = new byte[FILE_BYTES];
    new Random(3).nextBytes(data);
    origin = new SlowHttpOrigin("weights.bin", data);
    Importer.Result r = new Importer(new Importer.Config(CS, 2)).run(Origins.open(origin.url("weights.bin")),
        "dash-model", AgentIT.noProgress());
    origin.throttle(ORIGIN_DELAY_MILLIS);
    Path manifests = Files.createDirectories(tmp.resolve("manifests"));
    ref = new ManifestStore(Origins.open(manifests.toString())).publish(r);
    agent = Agent.start(AgentConfig.of(tmp.resolve("mnt"), tmp.resolve("store"), List.of(manifests.toUri().toString()),
            tmp.resolve("agent.sock"))
        .withFetchThreads(1)
        .withReadTimeout(Duration.ofSeconds(30))
        .withHttp(new HttpAddress("127.0.0.1", 0)));
  }

  @AfterEach
  void stop() {
    if (browser != null) {
      browser.quit();
    }
    if (swarm != null) {
      swarm.close();
    }
    if (agent != null) {
      agent.close();
    }
    if (origin != null) {
      origin.close();
    }
  }

  @Test
  void pageShowsAPullRisingToCompleteWithoutReloadAndAgreesWithTheApi() throws Exception {
    assumeChromium();
    startAgent();
    String base = "http://127.0.0.1:" + agent.httpAddress().getPort();
    browser = chromium();
    browser.get(base + "/");
    awaitText(By.id("updated"), "updated", Duration.ofSeconds(20));

    CompletableFuture<ControlResponse> pull = CompletableFuture.supplyAsync(() -> {
      try {
        return ControlClient.call(tmp.resolve("agent.sock"),
            ControlRequest.newBuilder().setPull(PullRequest.newBuilder().setRef(ref.toString())).build(), p -> {});
      } catch (IOException e) {
        throw new RuntimeException(e);
      }
    });
    List<Double> seen = new ArrayList<>();
    By completion = By.cssSelector(".model[data-ref='" + ref + "'] .completion");
    long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
    while (seen.isEmpty() || seen.get(seen.size() - 1) < 100.0) {
      if (System.nanoTime() > deadline) {
        fail("the page never showed 100% for " + ref + "; it showed " + seen);
      }
      // Read in one script call: the page replaces its elements on every poll.
      Object text = browser.executeScript("const e = document.querySelector(arguments[0]); return e && e.textContent;",
          ".model[data-ref='" + ref + "'] .completion");
      if (text != null) {
        double value = Double.parseDouble(text.toString().replace("%", ""));
        if (seen.isEmpty() || seen.get(seen.size() - 1) != value) {
          seen.add(value);
        }
      }
      Thread.sleep(100);
    }
    ControlResponse done = pull.get();
    assertTrue(done.hasDone(), done.toString());
    assertTrue(seen.get(0) < 100.0, "the page should show the pull before it completes; it showed " + seen);
    for (int i = 1; i < seen.size(); i++) {
      assertTrue(seen.get(i) >= seen.get(i - 1), "completion went backwards: " + seen);
    }
    Files.copy(browser.getScreenshotAs(OutputType.FILE).toPath(), Path.of("target/dashboard.png"),
        StandardCopyOption.REPLACE_EXISTING);

    // The page and /api/status agree, and the API's numbers are the model's.
    AgentStatus.Builder status = AgentStatus.newBuilder();
    JsonFormat.parser().merge(get(base + "/api/status", 200), status);
    ModelCompletion c = status.getCompletionList().stream().filter(m -> m.getRef().equals(ref.toString())).findFirst()
        .orElseThrow();
    assertEquals(c.getBytesTotal(), c.getBytesLocal());
    assertEquals(FILE_BYTES / CS, c.getChunksLocal());
    assertEquals(FILE_BYTES / CS / 8, c.getLocalChunks().size());
    assertTrue(c.getLocalChunks().toByteArray()[0] == (byte) 0xff);
    assertEquals("100.0%", browser.findElement(completion).getText());
    assertEquals("ready", status.getReadiness());
    assertEquals(FILE_BYTES, status.getTraffic().getOriginBytes());
    assertTrue(browser.findElement(By.cssSelector("#nodes tbody tr")).getText().contains("ready"));

    // The CLI says the same: `modelfs status --json` is the API's document, the table the page's percent.
    AgentStatus.Builder cli = AgentStatus.newBuilder();
    JsonFormat.parser().merge(cli("status", "--json", "--agent", tmp.resolve("agent.sock").toString()), cli);
    assertEquals(c, cli.getCompletion(0));
    String table = cli("status", "--agent", tmp.resolve("agent.sock").toString());
    assertTrue(table.contains("100.0%") && table.contains(ref.toString()), table);
  }

  @Test
  void swarmViewShowsAnotherNodesPullRisingToCompleteWithTheSwarmsTrafficAndOriginSaving() throws Exception {
    assumeChromium();
    int chunk = 4 << 10;
    int modelBytes = 4 << 20; // 1,024 chunks
    swarm = SwarmBuilder.in(Files.createDirectories(tmp.resolve("swarm"))).agents(3).trackers(1).model(modelBytes, chunk)
        .tune(c -> c.withHttp(new HttpAddress("127.0.0.1", 0))).build();
    swarm.throttleOrigin(25); // 4 origin threads: the first pull takes at least 6.4 s
    String ref = swarm.ref.toString();
    String base = "http://127.0.0.1:" + swarm.agents.get(0).httpAddress().getPort();
    browser = chromium();
    browser.get(base + "/");
    awaitText(By.id("tracker"), "tracker: leader", Duration.ofSeconds(30));

    // n1 pulls from the origin while n0's page watches it through the tracker.
    CompletableFuture<ControlResponse> pull = CompletableFuture.supplyAsync(() -> {
      try {
        return swarm.pull(1, SwarmBuilder.MODEL + ":latest");
      } catch (IOException e) {
        throw new RuntimeException(e);
      }
    });
    String row = ".model[data-ref='" + ref + "'] .row[data-node='n1'] ";
    List<Double> seen = new ArrayList<>();
    boolean originRateShown = false;
    long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
    while (seen.isEmpty() || seen.get(seen.size() - 1) < 100.0) {
      if (System.nanoTime() > deadline) {
        fail("n0's page never showed n1 at 100% of " + ref + "; it showed " + seen);
      }
      @SuppressWarnings("unchecked")
      List<Object> texts = (List<Object>) browser.executeScript("const e = document.querySelector(arguments[0]);"
          + " return [e && e.textContent, document.getElementById('rate-origin').textContent];", row + ".completion");
      if (texts.get(0) != null) {
        double value = Double.parseDouble(texts.get(0).toString().replace("%", ""));
        if (seen.isEmpty() || seen.get(seen.size() - 1) != value) {
          seen.add(value);
        }
      }
      originRateShown |= !texts.get(1).toString().startsWith("0 B/s") && !texts.get(1).toString().equals("–");
      Thread.sleep(100);
    }
    ControlResponse done = pull.get(120, java.util.concurrent.TimeUnit.SECONDS);
    assertTrue(done.hasDone(), done.toString());
    assertTrue(seen.get(0) < 100.0, "the page should show n1's pull before it completes; it showed " + seen);
    for (int i = 1; i < seen.size(); i++) {
      assertTrue(seen.get(i) >= seen.get(i - 1), "completion went backwards: " + seen);
    }
    assertTrue(originRateShown, "the page never showed the swarm's origin throughput during the pull");
    assertEquals("1024 / 1024 chunks", browser.findElement(By.cssSelector(row + ".chunks")).getText());

    // /api/swarm (n0's) and n1's `modelfs ls` say the same.
    com.google.gson.JsonObject api = json(get(base + "/api/swarm", 200));
    com.google.gson.JsonObject n1 = node(api, "n1");
    com.google.gson.JsonObject c = n1.getAsJsonArray("completion").get(0).getAsJsonObject();
    assertEquals(ref, c.get("ref").getAsString());
    assertEquals(1024, c.get("chunksLocal").getAsLong());
    assertEquals(1024, c.get("chunksTotal").getAsLong());
    String ls = cli("ls", "--agent", swarm.agents.get(1).config().control().toString());
    assertTrue(ls.lines().anyMatch(l -> l.startsWith(ref) && l.contains("1024/1024")), ls);

    // n1 fetched under origin leases, holds none once done, and never fell back to unleased fetches.
    String n1Metrics = get("http://127.0.0.1:" + swarm.agents.get(1).httpAddress().getPort() + "/metrics", 200);
    assertTrue(metric(n1Metrics, "modelfs_lease_requests_seconds_count{outcome=\"answered\"}") >= 1, n1Metrics);
    assertTrue(metric(n1Metrics, "modelfs_leases_granted_total") >= 1024, n1Metrics);
    assertEquals(0, metric(n1Metrics, "modelfs_leases_held"));
    assertEquals(0, metric(n1Metrics, "modelfs_origin_unleased_fetches_total"));
    assertEquals(modelBytes, metric(n1Metrics, "modelfs_served_bytes_total{source=\"origin\"}"));

    // n2 pulls from its peers; the swarm's counters reach the tracker with the nodes' pings.
    swarm.throttleOrigin(0);
    assertTrue(swarm.pull(2, SwarmBuilder.MODEL + ":latest").hasDone());
    long[] totals = new long[4];
    SwarmBuilder.LocalSwarm.waitUntil(Duration.ofSeconds(20), () -> {
      try {
        com.google.gson.JsonObject t = json(get(base + "/api/swarm", 200)).getAsJsonObject("totals");
        com.google.gson.JsonObject tr = t.getAsJsonObject("traffic");
        totals[0] = tr.get("originBytes").getAsLong();
        totals[1] = tr.get("peerBytes").getAsLong();
        totals[2] = t.get("originBytesSaved").getAsLong();
        totals[3] = t.get("deliveredBytes").getAsLong();
        return t.get("nodes").getAsInt() == 3 && totals[0] >= modelBytes && totals[1] >= modelBytes;
      } catch (IOException | InterruptedException e) {
        throw new RuntimeException(e);
      }
    }, "the swarm's totals in /api/swarm to count n1's origin bytes and n2's peer bytes");
    assertTrue(totals[0] <= modelBytes * 11L / 10, "origin bytes " + totals[0] + " for a model of " + modelBytes);
    assertEquals(totals[3] - totals[0], totals[2], "saved = delivered - origin");
    assertTrue(totals[2] >= modelBytes, "the swarm saved at least n2's whole model: " + totals[2]);
    SwarmBuilder.LocalSwarm.waitUntil(Duration.ofSeconds(10), () -> {
      String shown = browser.findElement(By.id("saved")).getText();
      return shown.endsWith("MiB") && Math.abs(Double.parseDouble(shown.split(" ")[0]) * (1 << 20) - totals[2])
          <= 0.1 * (1 << 20);
    }, "the page's origin bytes saved to show " + totals[2] + " bytes");
    assertEquals("all 3 nodes", browser.findElement(By.id("traffic-scope")).getText());
    Files.copy(browser.getScreenshotAs(OutputType.FILE).toPath(), Path.of("target/dashboard-swarm.png"),
        StandardCopyOption.REPLACE_EXISTING);

    // The CLI's swarm table shows the same saving and every node.
    String status = cli("status", "--agent", swarm.agents.get(0).config().control().toString());
    assertTrue(status.contains("swarm:     3 nodes") && status.contains("origin bytes saved"), status);
    assertTrue(status.contains("n1 ") && status.contains("n2 "), status);
  }

  private static com.google.gson.JsonObject json(String text) {
    return com.google.gson.JsonParser.parseString(text).getAsJsonObject();
  }

  private static com.google.gson.JsonObject node(com.google.gson.JsonObject swarmDoc, String id) {
    for (var n : swarmDoc.getAsJsonArray("nodes")) {
      if (n.getAsJsonObject().get("node").getAsString().equals(id)) {
        return n.getAsJsonObject();
      }
    }
    throw new AssertionError("no node " + id + " in " + swarmDoc);
  }

  /** Runs the modelfs CLI in this JVM and returns what it printed on stdout; fails if it exits non-zero. */
  private static String cli(String... args) {
    java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
    java.io.PrintStream stdout = System.out;
    int code;
    System.setOut(new java.io.PrintStream(captured, true, java.nio.charset.StandardCharsets.UTF_8));
    try {
      code = new picocli.CommandLine(new io.modelfs.agent.cli.Main()).execute(args);
    } finally {
      System.setOut(stdout);
    }
    String out = captured.toString(java.nio.charset.StandardCharsets.UTF_8);
    assertEquals(0, code, String.join(" ", args) + ": " + out);
    return out;
  }

  @Test
  void metricsHealthAndApiEndpointsAnswer() throws Exception {
    startAgent();
    String base = "http://127.0.0.1:" + agent.httpAddress().getPort();
    ControlResponse done = ControlClient.call(tmp.resolve("agent.sock"),
        ControlRequest.newBuilder().setPull(PullRequest.newBuilder().setRef(ref.toString())).build(), p -> {});
    assertTrue(done.hasDone(), done.toString());
    byte[] head = new byte[100];
    try (var in = Files.newInputStream(tmp.resolve("mnt").resolve(ref.toString()).resolve("weights.bin"))) {
      assertEquals(100, in.readNBytes(head, 0, 100));
    }

    String metrics = get(base + "/metrics", 200);
    assertEquals(FILE_BYTES, metric(metrics, "modelfs_served_bytes_total{source=\"origin\"}"));
    // The kernel reads ahead of the 100 bytes asked for, in whole pages, all from local chunks.
    assertTrue(metric(metrics, "modelfs_served_bytes_total{source=\"local\"}") >= 100, metrics);
    assertEquals(0, metric(metrics, "modelfs_served_bytes_total{source=\"peer\"}"));
    assertEquals(FILE_BYTES / CS, metric(metrics, "modelfs_fetch_seconds_count{outcome=\"ok\",source=\"origin\"}"));
    assertEquals(FILE_BYTES / CS,
        metric(metrics, "modelfs_fetch_seconds_bucket{outcome=\"ok\",source=\"origin\",le=\"+Inf\"}"));
    assertEquals(0, metric(metrics, "modelfs_fetch_verification_failures_total{source=\"origin\"}"));
    assertEquals(FILE_BYTES / CS, metric(metrics, "modelfs_store_chunks"));
    assertEquals(FILE_BYTES, metric(metrics, "modelfs_store_bytes"));
    assertEquals(1, metric(metrics, "modelfs_control_requests_total{command=\"pull\",outcome=\"ok\"}"));
    assertEquals(1, metric(metrics, "modelfs_models_open"));
    assertEquals(0, metric(metrics, "modelfs_pulls_active"));
    assertTrue(metric(metrics, "modelfs_fuse_operations_seconds_count{op=\"read\"}") >= 1, metrics);
    assertTrue(metric(metrics, "modelfs_fuse_operations_seconds_count{op=\"getattr\"}") >= 1, metrics);
    assertTrue(Files.notExists(tmp.resolve("mnt").resolve(ref.toString()).resolve("no-such-file")));
    assertTrue(metric(get(base + "/metrics", 200), "modelfs_fuse_errors_total{errno=\"ENOENT\",op=\"getattr\"}") >= 1);

    assertEquals("ok\n", get(base + "/healthz", 200));
    assertTrue(get(base + "/readyz", 200).startsWith("ready\nmount UP"));
    String swarm = get(base + "/api/swarm", 200);
    assertTrue(swarm.contains("\"tracker\": null") && swarm.contains(ref.toString()), swarm);
    assertTrue(get(base + "/no-such-page", 404).contains("/api/status"));
    HttpResponse<String> post = http.send(HttpRequest.newBuilder(URI.create(base + "/api/status"))
        .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(405, post.statusCode());
    assertTrue(get(base + "/", 200).contains("<script src=\"/dashboard.js\">"));
    assertTrue(get(base + "/dashboard.js", 200).contains("/api/swarm"));
  }

  /** The value of the sample named exactly {@code series} (name and labels) in Prometheus text. */
  private static double metric(String text, String series) {
    for (String line : text.split("\n")) {
      if (line.startsWith(series + " ")) {
        return Double.parseDouble(line.substring(series.length() + 1).trim());
      }
    }
    throw new AssertionError("no sample " + series + " in:\n" + text);
  }

  private String get(String url, int expected) throws IOException, InterruptedException {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(expected, r.statusCode(), url + ": " + r.body());
    return r.body();
  }

  private void awaitText(By by, String prefix, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      List<WebElement> e = browser.findElements(by);
      if (!e.isEmpty() && e.get(0).getText().startsWith(prefix)) {
        return;
      }
      Thread.sleep(100);
    }
    fail("the page's " + by + " never started with '" + prefix + "'");
  }

  /** Skips the test (not a failure) where the browser is missing; CI installs it with bin/deps --test. */
  private static void assumeChromium() {
    Assumptions.assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
        CHROMIUM + " and " + CHROMEDRIVER + " are not installed (Debian: chromium chromium-driver; bin/deps --test"
            + " installs them): skipping the headless-browser test");
  }

  private ChromeDriver chromium() throws IOException {
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM.toFile());
    options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
        "--window-size=1280,900", "--user-data-dir=" + Files.createDirectories(tmp.resolve("chromium-profile")));
    ChromeDriverService service = new ChromeDriverService.Builder()
        .usingDriverExecutable(new File(CHROMEDRIVER.toString()))
        .usingAnyFreePort()
        .build();
    return new ChromeDriver(service, options);
  }
}
