package io.modelfs.agent;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A minimal S3-shaped HTTP/1.1 server on 127.0.0.1 that serves one in-memory object to {@code GET}
 * and {@code HEAD} (whole or one {@code Range: bytes=a-b}) with a fixed ETag, keeping connections
 * alive. It exists so the {@link StartupWarmup} can drive the agent's real S3 read path (AWS SDK,
 * Apache HTTP client, body copy) before a model is read; it is not a general server.
 *
 * <p>Errors: a request it cannot parse or a range outside the object answers 400 or 416 and closes
 * the connection; socket errors end that connection only (logged at DEBUG). {@link #close()} stops
 * accepting and ends every connection.
 */
final class LoopbackObjectServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(LoopbackObjectServer.class);
  private static final Pattern RANGE = Pattern.compile("bytes=(\\d+)-(\\d+)");
  /** The header block a request may have; the SDK sends well under 2 KiB. */
  private static final int MAX_HEAD = 16 << 10;

  /** The ETag every response carries (quoted, as S3 sends it). */
  static final String ETAG = "\"modelfs-warmup\"";

  private final byte[] object;
  private final ServerSocket socket;
  private final ExecutorService threads;
  private final Set<Socket> open = ConcurrentHashMap.newKeySet();

  private LoopbackObjectServer(byte[] object, ServerSocket socket) {
    this.object = object;
    this.socket = socket;
    this.threads = Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "warmup-object-server");
      t.setDaemon(true);
      return t;
    });
  }

  /** Serves {@code object} (not copied: do not change it while serving) on an ephemeral loopback port. */
  static LoopbackObjectServer start(byte[] object) throws IOException {
    ServerSocket s = new ServerSocket(0, 16, InetAddress.getLoopbackAddress());
    LoopbackObjectServer server = new LoopbackObjectServer(object, s);
    server.threads.execute(server::acceptLoop);
    return server;
  }

  /** {@code http://127.0.0.1:PORT}: the endpoint to give an S3 client. */
  URI endpoint() {
    return URI.create("http://" + socket.getInetAddress().getHostAddress() + ":" + socket.getLocalPort());
  }

  private void acceptLoop() {
    while (!socket.isClosed()) {
      try {
        Socket c = socket.accept();
        open.add(c);
        threads.execute(() -> serve(c));
      } catch (IOException e) {
        if (!socket.isClosed()) {
          log.debug("warm-up object server: accept failed: {}", e.toString());
        }
        return;
      }
    }
  }

  private void serve(Socket c) {
    try (c; InputStream in = new BufferedInputStream(c.getInputStream()); OutputStream out = c.getOutputStream()) {
      c.setTcpNoDelay(true);
      String head;
      while ((head = readHead(in)) != null) {
        if (!answer(head, out)) {
          return;
        }
      }
    } catch (IOException e) {
      log.debug("warm-up object server: connection ended: {}", e.toString());
    } finally {
      open.remove(c);
    }
  }

  /** Writes the response to one request; false when the connection must close. */
  private boolean answer(String head, OutputStream out) throws IOException {
    String[] lines = head.split("\r\n");
    String[] request = lines[0].split(" ");
    boolean get = request[0].equals("GET");
    if (request.length != 3 || !(get || request[0].equals("HEAD"))) {
      out.write(status(400, "Bad Request", 0).getBytes(StandardCharsets.US_ASCII));
      return false;
    }
    long from = 0;
    long to = object.length - 1L;
    boolean ranged = false;
    for (String line : lines) {
      if (line.regionMatches(true, 0, "range:", 0, 6)) {
        Matcher m = RANGE.matcher(line.substring(6).trim());
        if (!m.matches() || Long.parseLong(m.group(1)) > Long.parseLong(m.group(2))
            || Long.parseLong(m.group(2)) >= object.length) {
          out.write(status(416, "Range Not Satisfiable", 0).getBytes(StandardCharsets.US_ASCII));
          return false;
        }
        from = Long.parseLong(m.group(1));
        to = Long.parseLong(m.group(2));
        ranged = true;
      }
    }
    int length = (int) (to - from + 1);
    StringBuilder h = new StringBuilder(ranged ? "HTTP/1.1 206 Partial Content\r\n" : "HTTP/1.1 200 OK\r\n")
        .append("Content-Length: ").append(length).append("\r\n")
        .append("ETag: ").append(ETAG).append("\r\n")
        .append("Last-Modified: Thu, 01 Jan 2026 00:00:00 GMT\r\n")
        .append("Accept-Ranges: bytes\r\n")
        .append("Content-Type: application/octet-stream\r\n");
    if (ranged) {
      h.append(String.format(Locale.ROOT, "Content-Range: bytes %d-%d/%d\r\n", from, to, object.length));
    }
    out.write(h.append("\r\n").toString().getBytes(StandardCharsets.US_ASCII));
    if (get) {
      out.write(object, (int) from, length);
    }
    out.flush();
    return true;
  }

  private static String status(int code, String reason, int length) {
    return "HTTP/1.1 " + code + " " + reason + "\r\nContent-Length: " + length + "\r\nConnection: close\r\n\r\n";
  }

  /** The request's header block (without the blank line), or null at end of stream. */
  private static String readHead(InputStream in) throws IOException {
    StringBuilder b = new StringBuilder();
    int c;
    while ((c = in.read()) >= 0) {
      b.append((char) c);
      int n = b.length();
      if (n >= 4 && b.charAt(n - 1) == '\n' && b.charAt(n - 2) == '\r' && b.charAt(n - 3) == '\n'
          && b.charAt(n - 4) == '\r') {
        return b.substring(0, n - 4);
      }
      if (n > MAX_HEAD) {
        throw new IOException("request head longer than " + MAX_HEAD + " bytes");
      }
    }
    return null;
  }

  @Override
  public void close() {
    try {
      socket.close();
    } catch (IOException e) {
      log.debug("warm-up object server: close failed: {}", e.toString());
    }
    for (Socket c : open) {
      try {
        c.close();
      } catch (IOException e) {
        log.debug("warm-up object server: close failed: {}", e.toString());
      }
    }
    threads.shutdownNow();
  }
}
