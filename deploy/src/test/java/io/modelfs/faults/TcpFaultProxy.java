package io.modelfs.faults;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP proxy on loopback between a peer and the agent that dials it. It paces the bytes coming
 * back from the peer (so a chunk is in flight for seconds and a fault lands mid-chunk), counts
 * them, and when either side goes away it resets the other at once ({@code SO_LINGER 0}),
 * dropping what it still held — so a {@code kill -9} of the peer looks to the dialling agent
 * exactly like a peer dying mid-frame.
 */
final class TcpFaultProxy implements AutoCloseable {
  private final ServerSocket server;
  private final InetSocketAddress upstream;
  private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "tcp-fault-proxy");
    t.setDaemon(true);
    return t;
  });
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();
  /** Bytes forwarded from the peer to the dialler. */
  final AtomicLong downstreamBytes = new AtomicLong();
  private final long bytesPerSecond;

  TcpFaultProxy(InetSocketAddress upstream, long bytesPerSecond) throws IOException {
    this.upstream = upstream;
    this.bytesPerSecond = bytesPerSecond;
    server = new ServerSocket(0, 16, InetAddress.getLoopbackAddress());
    threads.execute(this::accept);
  }

  int port() {
    return server.getLocalPort();
  }

  private void accept() {
    while (!server.isClosed()) {
      try {
        Socket client = server.accept();
        Socket peer = new Socket();
        peer.connect(upstream, 5000);
        sockets.add(client);
        sockets.add(peer);
        threads.execute(() -> pump(client, peer, 0));
        threads.execute(() -> pump(peer, client, bytesPerSecond));
      } catch (IOException e) {
        // closed, or the peer is down: the dialler sees its connection refused or reset
      }
    }
  }

  private void pump(Socket from, Socket to, long rate) {
    byte[] buf = new byte[8 << 10];
    long start = System.nanoTime();
    long sent = 0;
    try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
      for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
        out.write(buf, 0, n);
        out.flush();
        if (rate > 0) {
          sent += n;
          downstreamBytes.addAndGet(n);
          long wait = start + sent * 1_000_000_000L / rate - System.nanoTime();
          if (wait > 0) {
            Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
          }
        }
      }
    } catch (IOException | InterruptedException e) {
      // one side went away
    } finally {
      reset(from);
      reset(to);
    }
  }

  private static void reset(Socket s) {
    try {
      s.setSoLinger(true, 0);
      s.close();
    } catch (IOException e) {
      // already closed
    }
  }

  @Override
  public void close() throws IOException {
    server.close();
    sockets.forEach(TcpFaultProxy::reset);
    threads.shutdownNow();
  }
}
