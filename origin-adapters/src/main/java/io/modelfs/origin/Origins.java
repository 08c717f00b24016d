package io.modelfs.origin;

import java.net.URI;
import java.nio.file.Path;
import java.util.Locale;

/** Opens the {@link Origin} a URI names. */
public final class Origins {
  private Origins() {}

  /**
   * Opens {@code file:///abs/dir}, or a plain absolute or relative path. Cloud schemes
   * ({@code s3:}, {@code gs:}, {@code az:}, {@code https:}) are refused with a clear message until
   * their adapters land (issue #4).
   */
  public static Origin open(String uriOrPath) throws OriginException {
    URI uri = parse(uriOrPath);
    String scheme = uri.getScheme() == null ? "file" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (scheme.equals("file")) {
      return new FileOrigin(uri.getScheme() == null ? Path.of(uriOrPath) : Path.of(uri));
    }
    throw new OriginException.Permanent(uri,
        "origin scheme '" + scheme + "' is not supported by this build (only file: for now)", null);
  }

  private static URI parse(String uriOrPath) throws OriginException {
    if (uriOrPath.startsWith("/") || !uriOrPath.contains(":")) {
      return Path.of(uriOrPath).toAbsolutePath().toUri();
    }
    try {
      return URI.create(uriOrPath);
    } catch (IllegalArgumentException e) {
      throw new OriginException.Permanent(URI.create("invalid:/"), "'" + uriOrPath + "' is not a valid URI", e);
    }
  }
}
