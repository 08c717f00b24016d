package io.modelfs.origin;

import java.net.URI;
import java.nio.file.Path;
import java.util.Locale;

/** Opens the {@link Origin} a URI names, with the settings a configuration gives its prefix. */
public final class Origins {
  private Origins() {}

  /** {@link #open(String, OriginConfig)} with default settings. */
  public static Origin open(String uriOrPath) throws OriginException {
    return open(uriOrPath, OriginConfig.defaults());
  }

  /**
   * Opens {@code file:///abs/dir} (or a plain path), {@code s3://bucket/prefix/}, {@code
   * gs://bucket/prefix/}, {@code az://account/container/prefix/} or {@code https://host/path}
   * ({@code http:} too). Every origin but {@code file:} retries throttling and transient failures
   * as its settings say, and honours the settings' rate cap.
   */
  public static Origin open(String uriOrPath, OriginConfig config) throws OriginException {
    URI uri = parse(uriOrPath);
    String scheme = uri.getScheme() == null ? "file" : uri.getScheme().toLowerCase(Locale.ROOT);
    OriginSettings settings = config.settingsFor(uri.toString());
    Origin origin = switch (scheme) {
      case "file" -> new FileOrigin(uri.getScheme() == null ? Path.of(uriOrPath) : Path.of(uri));
      case "s3" -> S3Origin.open(uri, settings);
      case "gs" -> GcsOrigin.open(uri, settings);
      case "az" -> AzureOrigin.open(uri, settings);
      case "https", "http" -> new HttpOrigin(uri, settings);
      default -> throw new OriginException.Permanent(uri,
          "origin scheme '" + scheme + "' is not supported (use file:, s3:, gs:, az: or https:)", null);
    };
    return wrap(origin, settings);
  }

  /** Adds the retries and the rate cap {@code settings} ask for. */
  static Origin wrap(Origin origin, OriginSettings settings) {
    if (origin instanceof FileOrigin) {
      return origin;
    }
    Origin o = settings.rateCap() > 0 ? new RateLimitedOrigin(origin, settings.rateCap(), System::nanoTime) : origin;
    return RetryingOrigin.of(o, settings);
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
