package io.modelfs.agent;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP proxy on loopback in front of a server, counting the bytes the server sends at the
 * socket: what an origin really served, headers and retries included, whatever the client's
 * adapter believes it read. Test fixture; one thread per direction per connection.
 */
final class CountingProxy implements AutoCloseable {
  private final InetSocketAddress backend;
  private final ServerSocket server;
  private final AtomicLong served = new AtomicLong();
  private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
  private volatile boolean closed;

  CountingProxy(InetSocketAddress backend) throws IOException {
    this.backend = backend;
    this.server = new ServerSocket(0, 256, InetAddress.getLoopbackAddress());
    Thread accept = new Thread(this::accept, "counting-proxy-accept");
    accept.setDaemon(true);
    accept.start();
  }

  int port() {
    return server.getLocalPort();
  }

  /** Bytes the server sent to clients since the last {@link #reset}. */
  long served() {
    return served.get();
  }

  void reset() {
    served.set(0);
  }

  private void accept() {
    while (!closed) {
      try {
        Socket client = server.accept();
        Socket upstream = new Socket(backend.getAddress(), backend.getPort());
        sockets.add(client);
        sockets.add(upstream);
        pump(client, upstream, null);
        pump(upstream, client, served);
      } catch (IOException e) {
        if (!closed) {
          continue;
        }
        return;
      }
    }
  }

  private void pump(Socket from, Socket to, AtomicLong counter) {
    Thread t = new Thread(() -> {
      byte[] buf = new byte[64 << 10];
      try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
        int n;
        while ((n = in.read(buf)) >= 0) {
          out.write(buf, 0, n);
          if (counter != null) {
            counter.addAndGet(n);
          }
        }
      } catch (IOException e) {
        // one side closed: close both below
      } finally {
        closeQuietly(from);
        closeQuietly(to);
      }
    }, "counting-proxy-pump");
    t.setDaemon(true);
    t.start();
  }

  private void closeQuietly(Socket s) {
    sockets.remove(s);
    try {
      s.close();
    } catch (IOException ignored) {
      // closing
    }
  }

  @Override
  public void close() throws IOException {
    closed = true;
    server.close();
    sockets.forEach(this::closeQuietly);
  }
}
