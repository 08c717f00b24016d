package io.modelfs.agent;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.util.concurrent.Executors;
import java.util.concurrent.ExecutorService;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One file over HTTP on loopback, as the {@code http:} origin reads it (HEAD with
 * Content-Length and ETag, GET with Range answered 206), each GET held back by a set delay once
 * {@link #throttle} is called: a pull from it takes a known minimum time.
 */
final class SlowHttpOrigin implements AutoCloseable {
  private static final Pattern RANGE = Pattern.compile("bytes=(\\d+)-(\\d+)");
  private static final String ETAG = "\"v1\"";

  private final HttpServer server;
  private final ExecutorService threads = Executors.newFixedThreadPool(4);
  private final byte[] data;
  private volatile long delayMillis;
  private volatile java.util.concurrent.CountDownLatch hold;
  private volatile int heldStatus;
  /** GET requests received so far (held ones included). */
  final java.util.concurrent.atomic.AtomicInteger gets = new java.util.concurrent.atomic.AtomicInteger();

  SlowHttpOrigin(String name, byte[] data) throws IOException {
    this.data = data;
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
    server.setExecutor(threads);
    server.createContext("/" + name, this::serve);
    server.start();
  }

  String url(String name) {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/" + name;
  }

  void throttle(long delayMillis) {
    this.delayMillis = delayMillis;
  }

  /** From now on each GET waits (at most 60 s) until {@link #release}, then is answered {@code status} without a body. */
  void holdThenFail(int status) {
    heldStatus = status;
    hold = new java.util.concurrent.CountDownLatch(1);
  }

  /** Lets the held GETs (and every later one) have their answer. */
  void release() {
    java.util.concurrent.CountDownLatch h = hold;
    if (h != null) {
      h.countDown();
    }
  }

  private void serve(HttpExchange ex) throws IOException {
    try (ex) {
      ex.getResponseHeaders().set("ETag", ETAG);
      if (ex.getRequestMethod().equals("HEAD")) {
        ex.getResponseHeaders().set("Content-Length", Integer.toString(data.length));
        ex.sendResponseHeaders(200, -1);
        return;
      }
      gets.incrementAndGet();
      java.util.concurrent.CountDownLatch h = hold;
      if (h != null) {
        try {
          h.await(60, java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        ex.sendResponseHeaders(heldStatus, -1);
        return;
      }
      String range = ex.getRequestHeaders().getFirst("Range");
      Matcher m = range == null ? null : RANGE.matcher(range);
      int from = 0;
      int to = data.length - 1;
      if (m != null && m.matches()) {
        from = Integer.parseInt(m.group(1));
        to = Math.min(data.length - 1, Integer.parseInt(m.group(2)));
      }
      sleep(delayMillis);
      ex.getResponseHeaders().set("Content-Range", "bytes " + from + "-" + to + "/" + data.length);
      ex.sendResponseHeaders(range == null ? 200 : 206, to - from + 1);
      try (OutputStream out = ex.getResponseBody()) {
        out.write(data, from, to - from + 1);
      }
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    server.stop(0);
    threads.shutdownNow();
  }
}
