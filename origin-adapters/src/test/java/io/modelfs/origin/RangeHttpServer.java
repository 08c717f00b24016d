package io.modelfs.origin;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * A static file server on loopback that behaves like nginx for what origins use: HEAD, GET with
 * one {@code Range}, strong ETags from size and modification time, {@code If-Match} (412), HTML
 * folder indexes. It can answer the next N requests with a status (503, 429) or cut the next N
 * bodies off half-way.
 */
final class RangeHttpServer implements AutoCloseable {
  private final Path root;
  private final HttpServer server;
  private final ExecutorService pool = Executors.newFixedThreadPool(16);
  final AtomicInteger failNext = new AtomicInteger();
  volatile int failStatus = 503;
  /** When set, every request must carry exactly this query string (a pre-signed URL's signature), else 403. */
  volatile String requiredQuery;
  /** Every request target seen, query included (what a server access log would show). */
  final java.util.List<String> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
  final AtomicInteger cutNext = new AtomicInteger();
  final AtomicInteger requests = new AtomicInteger();

  RangeHttpServer(Path root) throws IOException {
    this.root = root;
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
    server.createContext("/", this::handle);
    server.setExecutor(pool);
    server.start();
  }

  URI uri(String path) {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/" + path);
  }

  static String etag(Path p) throws IOException {
    return "\"" + Files.size(p) + "-" + Files.getLastModifiedTime(p).toMillis() + "\"";
  }

  private void handle(HttpExchange ex) throws IOException {
    requests.incrementAndGet();
    try (ex) {
      seen.add(ex.getRequestURI().toString());
      String required = requiredQuery;
      if (required != null && !required.equals(ex.getRequestURI().getRawQuery())) {
        ex.sendResponseHeaders(403, -1);
        return;
      }
      if (failNext.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
        ex.sendResponseHeaders(failStatus, -1);
        return;
      }
      String rel = ex.getRequestURI().getPath().substring(1);
      Path p = root.resolve(rel).normalize();
      if (!p.startsWith(root) || !Files.exists(p)) {
        ex.sendResponseHeaders(404, -1);
        return;
      }
      boolean head = ex.getRequestMethod().equals("HEAD");
      if (Files.isDirectory(p)) {
        StringBuilder html = new StringBuilder("<html><body>\n<a href=\"../\">../</a>\n");
        try (Stream<Path> s = Files.list(p)) {
          for (Path c : (Iterable<Path>) s.sorted()::iterator) {
            String name = URLEncoder.encode(c.getFileName().toString(), StandardCharsets.UTF_8).replace("+", "%20")
                + (Files.isDirectory(c) ? "/" : "");
            html.append("<a href=\"").append(name).append("\">").append(name).append("</a>\n");
          }
        }
        byte[] b = html.append("</body></html>").toString().getBytes(StandardCharsets.UTF_8);
        ex.sendResponseHeaders(200, head ? -1 : b.length);
        if (!head) {
          ex.getResponseBody().write(b);
        }
        return;
      }
      String etag = etag(p);
      String ifMatch = ex.getRequestHeaders().getFirst("If-Match");
      if (ifMatch != null && !ifMatch.equals(etag)) {
        ex.sendResponseHeaders(412, -1);
        return;
      }
      long size = Files.size(p);
      long start = 0;
      long end = size - 1;
      int status = 200;
      String range = ex.getRequestHeaders().getFirst("Range");
      if (range != null && range.startsWith("bytes=")) {
        String[] r = range.substring(6).split("-");
        start = Long.parseLong(r[0]);
        end = r.length > 1 ? Math.min(size - 1, Long.parseLong(r[1])) : size - 1;
        if (start >= size) {
          ex.getResponseHeaders().set("Content-Range", "bytes */" + size);
          ex.sendResponseHeaders(416, -1);
          return;
        }
        status = 206;
        ex.getResponseHeaders().set("Content-Range", "bytes " + start + "-" + end + "/" + size);
      }
      ex.getResponseHeaders().set("ETag", etag);
      ex.getResponseHeaders().set("Accept-Ranges", "bytes");
      long length = end - start + 1;
      if (head) {
        ex.getResponseHeaders().set("Content-Length", Long.toString(size));
        ex.sendResponseHeaders(200, -1);
        return;
      }
      boolean cut = cutNext.getAndUpdate(n -> Math.max(0, n - 1)) > 0;
      ex.sendResponseHeaders(status, length);
      OutputStream out = ex.getResponseBody();
      try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "r")) {
        f.seek(start);
        byte[] buf = new byte[64 << 10];
        long left = cut ? length / 2 : length;
        while (left > 0) {
          int n = f.read(buf, 0, (int) Math.min(buf.length, left));
          out.write(buf, 0, n);
          left -= n;
        }
      }
      if (cut) {
        out.flush();
        throw new IOException("cutting the body off (test)");
      }
    }
  }

  @Override
  public void close() {
    server.stop(0);
    pool.shutdownNow();
  }
}
