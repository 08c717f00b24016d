package io.modelfs.tracker;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A TCP proxy on loopback in front of a tracker replica that holds back the replica's replies
 * for {@link #delayReplies} (requests pass at once, bytes keep their order): a reply that
 * arrives after the client's request timeout, as on a node too busy to read its socket in time.
 * Closes every socket and thread it opened.
 */
final class ReplyDelayProxy implements AutoCloseable {
  private record Bytes(long dueNanos, byte[] data) {}

  private final ServerSocket server;
  private final InetSocketAddress upstream;
  private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "reply-delay-proxy");
    t.setDaemon(true);
    return t;
  });
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();
  private volatile long delayNanos;

  ReplyDelayProxy(InetSocketAddress upstream) throws IOException {
    this.upstream = upstream;
    this.server = new ServerSocket(0, 16, InetAddress.getLoopbackAddress());
    threads.execute(this::accept);
  }

  int port() {
    return server.getLocalPort();
  }

  /** Replies read from now on reach the client {@code millis} later (0: at once). */
  void delayReplies(long millis) {
    delayNanos = TimeUnit.MILLISECONDS.toNanos(millis);
  }

  private void accept() {
    while (!server.isClosed()) {
      try {
        Socket client = server.accept();
        Socket replica = new Socket();
        replica.connect(upstream, 5000);
        client.setTcpNoDelay(true);
        replica.setTcpNoDelay(true);
        sockets.add(client);
        sockets.add(replica);
        threads.execute(() -> pump(client, replica));
        BlockingQueue<Bytes> held = new LinkedBlockingQueue<>();
        threads.execute(() -> hold(replica, held, client));
        threads.execute(() -> release(held, client));
      } catch (IOException e) {
        // closed, or the replica is down: the client sees its connection refused or reset
      }
    }
  }

  private void pump(Socket from, Socket to) {
    byte[] buf = new byte[16384];
    try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
      for (int n; (n = in.read(buf)) >= 0; ) {
        out.write(buf, 0, n);
        out.flush();
      }
    } catch (IOException e) {
      // one side went away
    }
    closeQuietly(from, to);
  }

  private void hold(Socket from, BlockingQueue<Bytes> held, Socket to) {
    byte[] buf = new byte[16384];
    try (InputStream in = from.getInputStream()) {
      for (int n; (n = in.read(buf)) >= 0; ) {
        held.add(new Bytes(System.nanoTime() + delayNanos, Arrays.copyOf(buf, n)));
      }
    } catch (IOException e) {
      // one side went away
    }
    held.add(new Bytes(0, null));
    if (from.isClosed()) {
      closeQuietly(to);
    }
  }

  private void release(BlockingQueue<Bytes> held, Socket to) {
    try (OutputStream out = to.getOutputStream()) {
      while (true) {
        Bytes b = held.poll(30, TimeUnit.SECONDS);
        if (b == null) {
          if (to.isClosed()) {
            return;
          }
          continue;
        }
        if (b.data() == null) {
          break;
        }
        long wait = b.dueNanos() - System.nanoTime();
        if (wait > 0) {
          TimeUnit.NANOSECONDS.sleep(wait);
        }
        out.write(b.data());
        out.flush();
      }
    } catch (IOException e) {
      // the client went away
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    closeQuietly(to);
  }

  private static void closeQuietly(Socket... list) {
    for (Socket s : list) {
      try {
        s.close();
      } catch (IOException e) {
        // closing
      }
    }
  }

  @Override
  public void close() {
    try {
      server.close();
    } catch (IOException e) {
      // closing
    }
    sockets.forEach(ReplyDelayProxy::closeQuietly);
    threads.shutdownNow();
  }
}
