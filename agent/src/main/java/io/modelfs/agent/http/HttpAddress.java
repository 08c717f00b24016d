package io.modelfs.agent.http;

import io.modelfs.core.HostPort;
import java.net.InetSocketAddress;

/**
 * Where the agent serves HTTP: {@code HOST:PORT} ({@code [v6]:PORT} for IPv6), port 0 for any
 * free port. Loopback by default, because {@code /metrics} and {@code /api} describe the node.
 */
public record HttpAddress(String host, int port) {
  public static final HttpAddress DEFAULT = new HttpAddress("127.0.0.1", 7070);

  public HttpAddress {
    if (host == null || host.isBlank()) {
      throw new IllegalArgumentException("HTTP address needs a host, e.g. 127.0.0.1:7070 or 0.0.0.0:7070");
    }
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("HTTP port " + port + " is outside 0..65535");
    }
  }

  /** Parses {@code HOST:PORT}; throws IllegalArgumentException naming the text otherwise. */
  public static HttpAddress parse(String text) {
    InetSocketAddress a;
    try {
      a = HostPort.parse(text);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("HTTP address " + e.getMessage(), e);
    }
    return new HttpAddress(a.getHostString(), a.getPort());
  }

  public InetSocketAddress socketAddress() {
    return new InetSocketAddress(host, port);
  }

  @Override
  public String toString() {
    return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
  }
}
