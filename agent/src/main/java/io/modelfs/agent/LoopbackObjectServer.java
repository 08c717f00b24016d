package io.modelfs.agent;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A minimal S3-shaped server on 127.0.0.1 (the JDK's {@link HttpServer}, as {@code HttpApi}
 * uses) that serves one in-memory object to {@code GET} and {@code HEAD} — whole or one
 * {@code Range: bytes=a-b} — with a fixed ETag. It exists so the {@link StartupWarmup} can drive
 * the agent's real S3 read path (AWS SDK, Apache HTTP client, body copy) before a model is read;
 * it is not a general server.
 *
 * <p>Errors: another method answers 405; a range it cannot parse or outside the object answers
 * 416. {@link #close()} stops it at once.
 */
final class LoopbackObjectServer implements AutoCloseable {
  private static final Pattern RANGE = Pattern.compile("bytes=(\\d+)-(\\d+)");

  /** The ETag every response carries (quoted, as S3 sends it). */
  static final String ETAG = "\"modelfs-warmup\"";

  private final byte[] object;
  private final HttpServer server;
  private final ExecutorService threads;

  private LoopbackObjectServer(byte[] object, HttpServer server, ExecutorService threads) {
    this.object = object;
    this.server = server;
    this.threads = threads;
  }

  /** Serves {@code object} (not copied: do not change it while serving) on an ephemeral loopback port. */
  static LoopbackObjectServer start(byte[] object) throws IOException {
    HttpServer s = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
    ExecutorService threads = Executors.newFixedThreadPool(2, r -> {
      Thread t = new Thread(r, "warmup-object-server");
      t.setDaemon(true);
      return t;
    });
    LoopbackObjectServer server = new LoopbackObjectServer(object, s, threads);
    s.createContext("/", server::answer);
    s.setExecutor(threads);
    s.start();
    return server;
  }

  /** {@code http://127.0.0.1:PORT}: the endpoint to give an S3 client. */
  URI endpoint() {
    InetSocketAddress a = server.getAddress();
    return URI.create("http://" + a.getAddress().getHostAddress() + ":" + a.getPort());
  }

  private void answer(HttpExchange x) throws IOException {
    try (x) {
      String method = x.getRequestMethod();
      boolean head = method.equals("HEAD");
      if (!head && !method.equals("GET")) {
        x.sendResponseHeaders(405, -1);
        return;
      }
      long from = 0;
      long to = object.length - 1L;
      String range = x.getRequestHeaders().getFirst("Range");
      if (range != null) {
        Matcher m = RANGE.matcher(range.trim());
        if (!m.matches() || Long.parseLong(m.group(1)) > Long.parseLong(m.group(2))
            || Long.parseLong(m.group(2)) >= object.length) {
          x.sendResponseHeaders(416, -1);
          return;
        }
        from = Long.parseLong(m.group(1));
        to = Long.parseLong(m.group(2));
        x.getResponseHeaders().set("Content-Range",
            String.format(Locale.ROOT, "bytes %d-%d/%d", from, to, object.length));
      }
      int length = (int) (to - from + 1);
      x.getResponseHeaders().set("ETag", ETAG);
      x.getResponseHeaders().set("Last-Modified", "Thu, 01 Jan 2026 00:00:00 GMT");
      x.getResponseHeaders().set("Accept-Ranges", "bytes");
      x.getResponseHeaders().set("Content-Type", "application/octet-stream");
      if (head) {
        // The JDK server sends no length for HEAD itself; S3 sends the object's.
        x.getResponseHeaders().set("Content-Length", String.valueOf(length));
        x.sendResponseHeaders(200, -1);
        return;
      }
      x.sendResponseHeaders(range == null ? 200 : 206, length);
      try (OutputStream out = x.getResponseBody()) {
        out.write(object, (int) from, length);
      }
    }
  }

  @Override
  public void close() {
    server.stop(0);
    threads.shutdownNow();
  }
}
