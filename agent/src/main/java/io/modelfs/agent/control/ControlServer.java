package io.modelfs.agent.control;

import io.modelfs.core.proto.ControlError;
import io.modelfs.core.proto.ControlRequest;
import io.modelfs.core.proto.ControlResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipalNotFoundException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's control API on a Unix socket that only its owner may use (mode 0600, or 0660 with
 * a named group). Each
 * connection carries one {@link ControlRequest}, answered by a {@link ControlService}; at most
 * {@link #MAX_CONNECTIONS} are served at once and further ones are refused with an error.
 */
public final class ControlServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ControlServer.class);
  static final int MAX_CONNECTIONS = 32;
  /** A request is a ref and a few fields; anything larger is not a client of ours. */
  static final int MAX_REQUEST_BYTES = 64 << 10;

  private final Path path;
  private final ServerSocketChannel server;
  private final ExecutorService workers;
  private final Thread acceptor;

  private ControlServer(Path path, ServerSocketChannel server, ControlService service) {
    this.path = path;
    this.server = server;
    this.workers = new ThreadPoolExecutor(0, MAX_CONNECTIONS, 30, TimeUnit.SECONDS, new SynchronousQueue<>(), r -> {
      Thread t = new Thread(r, "control");
      t.setDaemon(true);
      return t;
    });
    this.acceptor = new Thread(() -> acceptLoop(service), "control-accept");
    this.acceptor.setDaemon(true);
  }

  /** As {@link #start(Path, ControlService, String)} with no group: mode 0600, the agent's user only. */
  public static ControlServer start(Path path, ControlService service) throws IOException {
    return start(path, service, null);
  }

  /**
   * Listens on {@code path}, removing a socket file left by an agent that is gone; fails if a
   * live agent answers there. The socket is mode 0600, or 0660 owned by {@code group} when one
   * is given (the group whose members may run {@code modelfs pull}, e.g. a pull Job's). It is
   * bound inside a private (0700) directory, given its mode and group, and only then renamed to
   * {@code path}, so no one else can connect in between. Throws an IOException naming the path
   * or the group.
   */
  public static ControlServer start(Path path, ControlService service, String group) throws IOException {
    Path dir = path.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    GroupPrincipal owner = null;
    if (group != null) {
      try {
        owner = dir.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByGroupName(group);
      } catch (UserPrincipalNotFoundException e) {
        throw new IOException("control socket group '" + group + "' does not exist on this host (--control-group)", e);
      }
    }
    if (Files.exists(path)) {
      if (ControlClient.isAlive(path)) {
        throw new IOException("another agent is already serving " + path + "; stop it or pick another --control path");
      }
      Files.delete(path);
    }
    Path staging = dir.resolve(".ctl-" + ProcessHandle.current().pid());
    deleteStaging(staging);
    ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    try {
      Files.createDirectory(staging, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      Path bound = staging.resolve("s");
      server.bind(UnixDomainSocketAddress.of(bound));
      Files.setPosixFilePermissions(bound, PosixFilePermissions.fromString(owner == null ? "rw-------" : "rw-rw----"));
      if (owner != null) {
        Files.getFileAttributeView(bound, PosixFileAttributeView.class).setGroup(owner);
      }
      Files.move(bound, path, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      server.close();
      throw new IOException("cannot listen on control socket " + path + (group == null ? "" : " (group " + group + ")")
          + ": " + e.getMessage(), e);
    } finally {
      deleteStaging(staging);
    }
    ControlServer s = new ControlServer(path, server, service);
    s.acceptor.start();
    log.info("control socket {} (mode {}{})", path, owner == null ? "0600" : "0660", owner == null ? "" : ", group " + group);
    return s;
  }

  private static void deleteStaging(Path staging) throws IOException {
    Files.deleteIfExists(staging.resolve("s"));
    Files.deleteIfExists(staging);
  }

  public Path path() {
    return path;
  }

  private void acceptLoop(ControlService service) {
    while (server.isOpen()) {
      SocketChannel ch;
      try {
        ch = server.accept();
      } catch (ClosedChannelException e) {
        return;
      } catch (IOException e) {
        log.warn("control socket {}: accept failed: {}", path, e.toString());
        continue;
      }
      try {
        workers.execute(() -> serve(ch, service));
      } catch (java.util.concurrent.RejectedExecutionException e) {
        try (ch) {
          reply(Channels.newOutputStream(ch), "the agent is serving " + MAX_CONNECTIONS + " control connections; try again");
        } catch (IOException ignored) {
          // The client will see the connection close.
        }
      }
    }
  }

  private static void serve(SocketChannel ch, ControlService service) {
    try (ch) {
      InputStream in = Channels.newInputStream(ch);
      OutputStream out = Channels.newOutputStream(ch);
      ControlRequest request;
      try {
        request = ControlRequest.parser().parseDelimitedFrom(new BoundedInputStream(in, MAX_REQUEST_BYTES));
      } catch (IOException e) {
        reply(out, "malformed control request: " + e.getMessage());
        return;
      }
      if (request == null) {
        return;
      }
      try {
        service.handle(request, r -> {
          r.writeDelimitedTo(out);
          out.flush();
        });
      } catch (IOException | RuntimeException e) {
        log.debug("control request {} failed", request.getCommandCase(), e);
        reply(out, e.getMessage() == null ? e.toString() : e.getMessage());
      }
    } catch (IOException e) {
      log.debug("control connection ended: {}", e.toString());
    }
  }

  private static void reply(OutputStream out, String message) throws IOException {
    ControlResponse.newBuilder().setError(ControlError.newBuilder().setMessage(message)).build().writeDelimitedTo(out);
    out.flush();
  }

  @Override
  public void close() throws IOException {
    server.close();
    workers.shutdownNow();
    Files.deleteIfExists(path);
  }

  /** Stops a hostile or broken client from making us buffer without bound. */
  private static final class BoundedInputStream extends java.io.FilterInputStream {
    private long left;

    BoundedInputStream(InputStream in, long limit) {
      super(in);
      this.left = limit;
    }

    @Override
    public int read() throws IOException {
      if (left <= 0) {
        throw new IOException("request exceeds " + MAX_REQUEST_BYTES + " bytes");
      }
      int b = super.read();
      if (b >= 0) {
        left--;
      }
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (left <= 0) {
        throw new IOException("request exceeds " + MAX_REQUEST_BYTES + " bytes");
      }
      int n = super.read(b, off, (int) Math.min(len, left));
      if (n > 0) {
        left -= n;
      }
      return n;
    }
  }
}
