package io.modelfs.origin;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A loopback TCP proxy that paces each connection's server-to-client bytes at a fixed rate, the
 * way a cloud object store caps one connection; used by {@link S3ReadBench} to show what parallel
 * ranged reads buy over one stream. (The machine's kernel has no {@code fq}/{@code netem} qdiscs,
 * so the cap is applied here instead of by {@code tc}.) Benchmark code: plain threads, no limits
 * beyond the rate.
 */
final class ThrottlingProxy implements AutoCloseable {
  private final ServerSocket server;
  private final InetSocketAddress upstream;
  private final long bytesPerSecond;
  private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "throttling-proxy");
    t.setDaemon(true);
    return t;
  });

  ThrottlingProxy(InetSocketAddress upstream, long bytesPerSecond) throws IOException {
    this.upstream = upstream;
    this.bytesPerSecond = bytesPerSecond;
    this.server = new ServerSocket(0, 128, InetAddress.getLoopbackAddress());
    threads.execute(this::accept);
  }

  int port() {
    return server.getLocalPort();
  }

  private void accept() {
    while (!server.isClosed()) {
      try {
        Socket client = server.accept();
        Socket up = new Socket(upstream.getAddress(), upstream.getPort());
        client.setTcpNoDelay(true);
        up.setTcpNoDelay(true);
        threads.execute(() -> copy(client, up, 0));
        threads.execute(() -> copy(up, client, bytesPerSecond));
      } catch (IOException e) {
        return;
      }
    }
  }

  private static void copy(Socket from, Socket to, long rate) {
    byte[] buf = new byte[64 << 10];
    long start = System.nanoTime();
    long sent = 0;
    try (from; to; InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
      int n;
      while ((n = in.read(buf)) > 0) {
        out.write(buf, 0, n);
        sent += n;
        if (rate > 0) {
          long due = start + (long) (sent * 1e9 / rate);
          long wait = due - System.nanoTime();
          if (wait > 0) {
            Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
          }
        }
      }
    } catch (IOException | InterruptedException e) {
      // the other side closed: the pair is done
    }
  }

  @Override
  public void close() throws IOException {
    server.close();
    threads.shutdownNow();
  }
}
