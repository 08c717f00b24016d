package io.modelfs.agent.control;

import io.modelfs.core.proto.ControlRequest;
import io.modelfs.core.proto.ControlResponse;
import java.io.IOException;
import java.io.InputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;

/** Talks to a running agent over its control socket: one request, a stream of answers. */
public final class ControlClient {
  private ControlClient() {}

  /**
   * Sends {@code request}, hands every progress message to {@code progress}, and returns the
   * final message. Throws {@link AgentUnreachableException} if no agent listens at {@code path}.
   */
  public static ControlResponse call(Path path, ControlRequest request, Consumer<ControlResponse> progress)
      throws IOException {
    try (SocketChannel ch = connect(path)) {
      request.writeDelimitedTo(Channels.newOutputStream(ch));
      InputStream in = Channels.newInputStream(ch);
      while (true) {
        ControlResponse r = ControlResponse.parseDelimitedFrom(in);
        if (r == null) {
          throw new IOException("the agent at " + path + " closed the connection without an answer; see its log");
        }
        if (r.getBodyCase() != ControlResponse.BodyCase.PROGRESS) {
          return r;
        }
        progress.accept(r);
      }
    }
  }

  static boolean isAlive(Path path) {
    try (SocketChannel ch = connect(path)) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static SocketChannel connect(Path path) throws IOException {
    if (!Files.exists(path)) {
      throw new AgentUnreachableException(path, "no such socket");
    }
    SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
    try {
      ch.connect(UnixDomainSocketAddress.of(path));
      return ch;
    } catch (IOException e) {
      ch.close();
      throw new AgentUnreachableException(path, e.getMessage());
    }
  }

  /** No agent answers at the socket. */
  public static final class AgentUnreachableException extends IOException {
    public AgentUnreachableException(Path path, String why) {
      super("cannot reach the modelfs agent at " + path + " (" + why
          + "); is 'modelfs agent' running? Pass its socket with --agent PATH");
    }
  }
}
