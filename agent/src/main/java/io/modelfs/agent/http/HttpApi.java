package io.modelfs.agent.http;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.modelfs.core.proto.AgentStatus;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's HTTP endpoints on {@code --http HOST:PORT} (loopback by default):
 *
 * <pre>
 * GET /metrics      Prometheus text format
 * GET /healthz      200 "ok" while the process serves (liveness)
 * GET /readyz       200 when ready (body says "degraded: ..." if so), else 503 with the reasons
 * GET /api/status   this node as JSON (the agent: AgentStatus of control.proto, proto3 JSON mapping)
 * GET /api/swarm    {"tracker": ..., "nodes": [AgentStatus, ...]} (see {@link SwarmJson}): the node
 *                   alone without a tracker, the whole swarm through it
 * GET /             the dashboard (static files from the jar; no external assets)
 * </pre>
 *
 * Read-only: every other method is 405. No handler lets an exception escape; a failure is a 500
 * naming the cause. Served by a small pool of daemon threads.
 */
public final class HttpApi implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(HttpApi.class);
  private static final int THREADS = 4;
  private static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";
  private static final Map<String, String> STATIC = Map.of(
      "/", "index.html",
      "/index.html", "index.html",
      "/dashboard.js", "dashboard.js",
      "/dashboard.css", "dashboard.css");

  /**
   * What the endpoints read: Prometheus text, then JSON documents for {@code /api/status} and
   * {@code /api/swarm}. Each supplier is called per request and must not block for long; what it
   * throws becomes a 500 naming the cause.
   */
  public record Sources(Supplier<String> metrics, Supplier<String> status, Readiness readiness,
      Supplier<String> swarm) {}

  private final HttpServer server;
  private final ExecutorService threads;

  private HttpApi(HttpServer server, ExecutorService threads) {
    this.server = server;
    this.threads = threads;
  }

  /** Binds {@code address} and serves until {@link #close()}; fails naming the address if it is taken. */
  public static HttpApi start(InetSocketAddress address, Sources sources) throws IOException {
    HttpServer server;
    try {
      server = HttpServer.create(address, 64);
    } catch (BindException e) {
      throw new IOException("cannot serve HTTP on " + address.getHostString() + ":" + address.getPort() + ": "
          + e.getMessage() + "; pick another --http HOST:PORT", e);
    }
    AtomicInteger n = new AtomicInteger();
    ExecutorService threads = Executors.newFixedThreadPool(THREADS, r -> {
      Thread t = new Thread(r, "http-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    server.setExecutor(threads);
    server.createContext("/", exchange -> handle(exchange, sources));
    server.start();
    log.info("HTTP endpoints on http://{}:{}/ (metrics, healthz, readyz, api, dashboard)",
        address.getHostString(), server.getAddress().getPort());
    return new HttpApi(server, threads);
  }

  /** The bound address (the port is the real one when 0 was asked for). */
  public InetSocketAddress address() {
    return server.getAddress();
  }

  private static void handle(HttpExchange exchange, Sources sources) {
    try (exchange) {
      String method = exchange.getRequestMethod();
      if (!method.equals("GET") && !method.equals("HEAD")) {
        exchange.getResponseHeaders().set("Allow", "GET, HEAD");
        send(exchange, 405, "text/plain; charset=utf-8", "method " + method + " not allowed: this API is read-only\n");
        return;
      }
      String path = exchange.getRequestURI().getPath();
      switch (path) {
        case "/metrics" -> send(exchange, 200, PROMETHEUS_TEXT, sources.metrics().get());
        case "/healthz" -> send(exchange, 200, "text/plain; charset=utf-8", "ok\n");
        case "/readyz" -> {
          Readiness.Report report = sources.readiness().check();
          send(exchange, report.ready() ? 200 : 503, "text/plain; charset=utf-8", report.body());
        }
        case "/api/status" -> send(exchange, 200, "application/json", sources.status().get());
        case "/api/swarm" -> send(exchange, 200, "application/json", sources.swarm().get());
        default -> serveStatic(exchange, path);
      }
    } catch (IOException | RuntimeException e) {
      log.warn("HTTP {} {} failed: {}", exchange.getRequestMethod(), exchange.getRequestURI(), e.toString());
      try {
        send(exchange, 500, "text/plain; charset=utf-8", "internal error: " + e + "\n");
      } catch (IOException | RuntimeException ignored) {
        // Headers already sent or the client is gone: nothing more to tell it.
      }
    }
  }

  /** This node as JSON: proto3's JSON mapping (64-bit numbers are strings), every field present. */
  public static String json(AgentStatus status) throws InvalidProtocolBufferException {
    return JsonFormat.printer().alwaysPrintFieldsWithNoPresence().print(status);
  }

  private static void serveStatic(HttpExchange exchange, String path) throws IOException {
    String name = STATIC.get(path);
    if (name == null) {
      send(exchange, 404, "text/plain; charset=utf-8", "no such endpoint: " + path
          + " (try /, /metrics, /healthz, /readyz, /api/status, /api/swarm)\n");
      return;
    }
    byte[] body;
    try (InputStream in = HttpApi.class.getResourceAsStream("/dashboard/" + name)) {
      if (in == null) {
        throw new IOException("dashboard file " + name + " is missing from the jar");
      }
      body = in.readAllBytes();
    }
    String type = name.endsWith(".html") ? "text/html; charset=utf-8"
        : name.endsWith(".js") ? "text/javascript; charset=utf-8" : "text/css; charset=utf-8";
    send(exchange, 200, type, body);
  }

  private static void send(HttpExchange exchange, int code, String type, String body) throws IOException {
    send(exchange, code, type, body.getBytes(StandardCharsets.UTF_8));
  }

  private static void send(HttpExchange exchange, int code, String type, byte[] body) throws IOException {
    exchange.getResponseHeaders().set("Content-Type", type);
    exchange.getResponseHeaders().set("Cache-Control", "no-store");
    boolean head = exchange.getRequestMethod().equals("HEAD");
    exchange.sendResponseHeaders(code, head ? -1 : body.length == 0 ? -1 : body.length);
    if (!head && body.length > 0) {
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    }
  }

  /** Stops serving (waiting at most a second for requests in flight). */
  @Override
  public void close() {
    server.stop(1);
    threads.shutdownNow();
  }
}
