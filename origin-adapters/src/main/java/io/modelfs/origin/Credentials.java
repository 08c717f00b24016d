package io.modelfs.origin;

import java.io.IOException;
import java.io.Reader;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

/**
 * Where an origin's secret comes from. A configuration names the source, never the secret, so
 * configurations, logs and errors are safe to show:
 *
 * <ul>
 *   <li>{@code default}: the provider's default chain (AWS: environment, system properties, web
 *       identity token for EKS, profile, container and instance roles; GCS: application default
 *       credentials; Azure: {@code DefaultAzureCredential});
 *   <li>{@code anonymous}: unsigned requests (public buckets);
 *   <li>{@code profile:NAME}: an AWS profile;
 *   <li>{@code file:/path}: a properties file — S3: {@code access-key-id}, {@code
 *       secret-access-key}, optional {@code session-token}; Azure: {@code connection-string} or
 *       {@code sas-token}; GCS: the file is a service-account JSON key;
 *   <li>{@code env:VAR}: Azure only, a connection string or SAS token in environment variable VAR.
 * </ul>
 */
final class Credentials {
  private Credentials() {}

  static void checkSource(String source) {
    if (source.equals("default") || source.equals("anonymous")
        || (source.startsWith("profile:") && source.length() > 8)
        || (source.startsWith("file:") && source.length() > 5)
        || (source.startsWith("env:") && source.length() > 4)) {
      return;
    }
    throw new IllegalArgumentException(
        "credentials must be default, anonymous, profile:NAME, file:/path or env:VAR");
  }

  static String kind(String source) {
    int colon = source.indexOf(':');
    return colon < 0 ? source : source.substring(0, colon);
  }

  static String argument(String source) {
    return source.substring(source.indexOf(':') + 1);
  }

  /** The properties file a {@code file:} source names; errors name the file, never its content. */
  static Properties properties(URI origin, String source) throws OriginException {
    Path file = Path.of(argument(source));
    Properties p = new Properties();
    try (Reader r = Files.newBufferedReader(file)) {
      p.load(r);
    } catch (IOException | IllegalArgumentException e) {
      throw new OriginException.Permanent(origin, "cannot read the credentials file " + file + " ("
          + e.getClass().getSimpleName() + ")", null);
    }
    return p;
  }

  /** A required key of a credentials file. */
  static String required(URI origin, String source, Properties p, String key) throws OriginException {
    String v = p.getProperty(key);
    if (v == null || v.isBlank()) {
      throw new OriginException.Permanent(origin, "credentials file " + argument(source) + " has no '" + key + "'",
          null);
    }
    return v.trim();
  }

  /** The value of the environment variable an {@code env:} source names. */
  static String env(URI origin, String source) throws OriginException {
    String v = System.getenv(argument(source));
    if (v == null || v.isBlank()) {
      throw new OriginException.Permanent(origin, "environment variable " + argument(source)
          + " (named by the credentials setting) is not set", null);
    }
    return v.trim();
  }
}
