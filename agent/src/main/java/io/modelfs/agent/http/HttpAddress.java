package io.modelfs.agent.http;

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
    int colon = text == null ? -1 : text.lastIndexOf(':');
    if (colon <= 0 || colon == text.length() - 1) {
      throw new IllegalArgumentException("HTTP address '" + text + "' is not HOST:PORT (e.g. 127.0.0.1:7070)");
    }
    String host = text.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    int port;
    try {
      port = Integer.parseInt(text.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("HTTP address '" + text + "' has no numeric port");
    }
    return new HttpAddress(host, port);
  }

  public InetSocketAddress socketAddress() {
    return new InetSocketAddress(host, port);
  }

  @Override
  public String toString() {
    return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
  }
}
