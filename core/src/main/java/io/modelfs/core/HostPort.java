package io.modelfs.core;

import java.net.InetSocketAddress;

/** Socket addresses as written on command lines: {@code HOST:PORT}, {@code [v6]:PORT}. */
public final class HostPort {
  private HostPort() {}

  /**
   * Parses {@code HOST:PORT} (brackets around an IPv6 host are removed) into an unresolved
   * address; port 0 is allowed (any free port). Throws IllegalArgumentException naming the text.
   */
  public static InetSocketAddress parse(String text) {
    int colon = text == null ? -1 : text.lastIndexOf(':');
    if (colon <= 0 || colon == text.length() - 1) {
      throw new IllegalArgumentException("'" + text + "' is not HOST:PORT (e.g. 127.0.0.1:7070)");
    }
    String host = text.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    int port;
    try {
      port = Integer.parseInt(text.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("'" + text + "': port '" + text.substring(colon + 1) + "' is not a number");
    }
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("'" + text + "': port " + port + " is outside 0..65535");
    }
    return InetSocketAddress.createUnresolved(host, port);
  }
}
