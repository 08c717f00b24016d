package io.modelfs.faults;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An HTTP proxy on loopback in front of a real origin server that injects the faults an object
 * store or CDN shows: a storm of {@code 503 Slow Down} (for the next N requests, or until
 * stopped), bodies cut off half-way with the connection closed (the client saw a full
 * {@code Content-Length}), and bodies paced at a set rate (slow, or stalled). It forwards
 * method, path, {@code Range} and {@code If-Match}, and returns status, {@code Content-Length},
 * {@code Content-Range}, {@code ETag} and the body. Faults are switched while the agent reads.
 */
final class FaultProxy implements AutoCloseable {
  private static final List<String> REQUEST_HEADERS = List.of("Range", "If-Match", "If-None-Match");
  private static final List<String> RESPONSE_HEADERS = List.of("Content-Range", "ETag", "Content-Type", "Accept-Ranges");

  private final URI upstream;
  private final HttpServer server;
  private final ExecutorService threads = Executors.newFixedThreadPool(32);
  private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  final AtomicInteger requests = new AtomicInteger();
  final AtomicInteger served503 = new AtomicInteger();
  final AtomicInteger truncated = new AtomicInteger();
  /** Body bytes sent to clients. */
  final AtomicLong bodyBytes = new AtomicLong();
  /** The next this-many requests get 503. */
  final AtomicInteger fail503Next = new AtomicInteger();
  /** Every request gets 503 while set. */
  volatile boolean storm;
  /** The next this-many GET bodies are cut off half-way. */
  final AtomicInteger truncateNext = new AtomicInteger();
  /** Body bytes per second per response; 0 is unlimited. */
  volatile long bytesPerSecond;
  /** Body bytes sent while a rate was set (each paced to it). */
  final AtomicLong pacedBytes = new AtomicLong();

  FaultProxy(URI upstream) throws IOException {
    this.upstream = upstream;
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
    server.createContext("/", this::handle);
    server.setExecutor(threads);
    server.start();
  }

  URI uri(String path) {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/" + path);
  }

  /** Back to a well-behaved proxy, counters cleared. */
  void heal() {
    storm = false;
    requests.set(0);
    served503.set(0);
    truncated.set(0);
    bodyBytes.set(0);
    pacedBytes.set(0);
    fail503Next.set(0);
    truncateNext.set(0);
    bytesPerSecond = 0;
  }

  private void handle(HttpExchange ex) throws IOException {
    try (ex) {
      requests.incrementAndGet();
      if (storm || fail503Next.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
        served503.incrementAndGet();
        ex.getResponseHeaders().set("Retry-After", "1");
        ex.sendResponseHeaders(503, -1);
        return;
      }
      HttpRequest.Builder b = HttpRequest.newBuilder(upstream.resolve(ex.getRequestURI().getRawPath()))
          .timeout(Duration.ofSeconds(30))
          .method(ex.getRequestMethod(), HttpRequest.BodyPublishers.noBody());
      for (String h : REQUEST_HEADERS) {
        String v = ex.getRequestHeaders().getFirst(h);
        if (v != null) {
          b.header(h, v);
        }
      }
      HttpResponse<InputStream> r;
      try {
        r = client.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        ex.sendResponseHeaders(502, -1);
        return;
      }
      try (InputStream body = r.body()) {
        for (String h : RESPONSE_HEADERS) {
          r.headers().firstValue(h).ifPresent(v -> ex.getResponseHeaders().set(h, v));
        }
        long length = r.headers().firstValueAsLong("Content-Length").orElse(-1);
        if (ex.getRequestMethod().equals("HEAD")) {
          ex.getResponseHeaders().set("Content-Length", Long.toString(Math.max(0, length)));
          ex.sendResponseHeaders(r.statusCode(), -1);
          return;
        }
        boolean cut = length > 1 && truncateNext.getAndUpdate(n -> Math.max(0, n - 1)) > 0;
        ex.sendResponseHeaders(r.statusCode(), length <= 0 ? -1 : length);
        OutputStream out = ex.getResponseBody();
        long limit = cut ? length / 2 : Long.MAX_VALUE;
        copy(body, out, limit);
        if (cut) {
          truncated.incrementAndGet();
          // Fewer bytes than Content-Length: the server closes the connection under the client.
          throw new IOException("cut off after " + limit + " of " + length + " bytes (injected)");
        }
      }
    }
  }

  /** Copies up to {@code limit} bytes, each 16 KiB block paced at the rate set now (re-read every 50 ms). */
  private void copy(InputStream in, OutputStream out, long limit) throws IOException {
    byte[] buf = new byte[16 << 10];
    long sent = 0;
    while (sent < limit) {
      int n = in.read(buf, 0, (int) Math.min(buf.length, limit - sent));
      if (n < 0) {
        return;
      }
      out.write(buf, 0, n);
      sent += n;
      bodyBytes.addAndGet(n);
      long rate = bytesPerSecond;
      if (rate > 0) {
        pacedBytes.addAndGet(n);
        out.flush();
        long due = System.nanoTime() + n * 1_000_000_000L / rate;
        for (long wait = due - System.nanoTime(); bytesPerSecond > 0 && wait > 0; wait = due - System.nanoTime()) {
          try {
            Thread.sleep(Math.min(50, Math.max(1, wait / 1_000_000)));
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("proxy stopped");
          }
        }
      }
    }
  }

  @Override
  public void close() {
    server.stop(0);
    threads.shutdownNow();
  }
}
