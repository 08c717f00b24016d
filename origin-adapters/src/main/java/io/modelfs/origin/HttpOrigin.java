package io.modelfs.origin;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code https://} (and {@code http://}) origin: any server that honours range requests, such as
 * a model hub's file URLs or a CDN. A URI ending in '/' is a folder whose HTML index (nginx,
 * Apache, Python's http.server) is followed to list the files; any other URI is one file, and the
 * origin is its folder. The version of a file is its ETag; reads send {@code If-Match} with a
 * strong ETag and compare the ETag of every response, so a file replaced after import is {@code
 * Changed}. Read-only: {@code put} fails, so manifests go to {@code --manifests URI}. One pooled
 * JDK HTTP client per origin; redirects are followed (not from https to http).
 *
 * <p>Pre-signed and SAS-style URLs: a query string is a credential. One given with the URI (a
 * pre-signed file URL) or by the settings ({@code credentials: file:/path} with
 * {@code query-string=...}) is sent with every request but never named: {@link #uri()}, the
 * sources written at import and every error carry the URI without it, so a manifest never holds
 * a signature; an agent that reads such a model later gets the query from its settings.
 */
final class HttpOrigin implements Origin {
  private static final Pattern HREF = Pattern.compile("href=\"([^\"]+)\"", Pattern.CASE_INSENSITIVE);
  private static final int MAX_LISTED = 100_000;
  private static final int MAX_DEPTH = 16;

  private final URI uri;
  private final String single;
  private final HttpClient http;
  private final Optional<String> authorization;
  private final Optional<String> query;
  private final ParallelRanges parts;

  HttpOrigin(URI given, OriginSettings settings) throws OriginException {
    Optional<String> inline = Optional.ofNullable(given.getRawQuery()).filter(q -> !q.isEmpty());
    given = withoutQuery(given);
    String s = given.toString();
    if (s.endsWith("/")) {
      this.uri = given;
      this.single = null;
    } else {
      this.uri = given.resolve(".");
      this.single = s.substring(s.lastIndexOf('/') + 1);
    }
    this.authorization = authorization(given, settings.credentials());
    this.query = inline.isPresent() ? inline : query(given, settings.credentials());
    this.http = HttpClient.newBuilder()
        .followRedirects(HttpClient.Redirect.NORMAL)
        .connectTimeout(Duration.ofSeconds(10))
        .build();
    this.parts = new ParallelRanges(settings.partSize(), settings.concurrency());
  }

  private static URI withoutQuery(URI u) {
    try {
      return new URI(u.getScheme(), u.getRawAuthority() == null ? null : u.getAuthority(), u.getPath(), null, null);
    } catch (java.net.URISyntaxException e) {
      throw new IllegalArgumentException("not a URI without its query: " + u.getScheme() + "://" + u.getAuthority()
          + u.getPath(), e);
    }
  }

  private static Optional<String> query(URI uri, String source) throws OriginException {
    if (!"file".equals(Credentials.kind(source))) {
      return Optional.empty();
    }
    return Optional.ofNullable(Credentials.properties(uri, source).getProperty("query-string"))
        .map(q -> q.startsWith("?") ? q.substring(1) : q)
        .filter(q -> !q.isEmpty());
  }

  private static Optional<String> authorization(URI uri, String source) throws OriginException {
    return switch (Credentials.kind(source)) {
      case "default", "anonymous" -> Optional.empty();
      case "env" -> Optional.of("Bearer " + Credentials.env(uri, source));
      case "file" -> {
        Properties p = Credentials.properties(uri, source);
        if (p.getProperty("bearer-token") == null && p.getProperty("query-string") != null) {
          yield Optional.empty();
        }
        yield Optional.of("Bearer " + Credentials.required(uri, source, p, "bearer-token"));
      }
      default -> throw new OriginException.Permanent(uri, "credentials source '" + Credentials.kind(source)
          + "' is not supported for HTTPS (use anonymous, env:VAR or file:/path with bearer-token and/or query-string)",
          null);
    };
  }

  @Override
  public URI uri() {
    return uri;
  }

  @Override
  public List<ObjectInfo> list() throws IOException {
    List<ObjectInfo> out = new ArrayList<>();
    if (single != null) {
      out.add(stat(single));
      return out;
    }
    walk("", 0, out);
    out.sort(Comparator.comparing(ObjectInfo::path));
    return out;
  }

  private void walk(String dir, int depth, List<ObjectInfo> out) throws IOException {
    URI folder = uri.resolve(dir);
    HttpResponse<InputStream> r = send(folder, request(folder).GET());
    String html;
    try (InputStream in = r.body()) {
      html = new String(in.readNBytes(16 << 20), StandardCharsets.UTF_8);
    }
    Matcher m = HREF.matcher(html);
    while (m.find()) {
      String href = m.group(1);
      if (href.startsWith("/") || href.startsWith("?") || href.startsWith("#") || href.startsWith(".")
          || href.contains("://") || href.contains("..") || href.contains("?")) {
        continue;
      }
      String name = java.net.URLDecoder.decode(href, StandardCharsets.UTF_8);
      if (name.endsWith("/")) {
        if (depth < MAX_DEPTH) {
          walk(dir + name, depth + 1, out);
        }
      } else if (Bodies.pathOf("", dir + name) != null) {
        if (out.size() >= MAX_LISTED) {
          throw new OriginException.Permanent(uri, "index lists more than " + MAX_LISTED + " files", null);
        }
        out.add(stat(dir + name));
      }
    }
  }

  @Override
  public ObjectInfo stat(String path) throws IOException {
    URI object = object(path);
    HttpResponse<InputStream> r = send(object, request(object).method("HEAD", HttpRequest.BodyPublishers.noBody()));
    r.body().close();
    long size = r.headers().firstValueAsLong("content-length").orElseThrow(() ->
        new OriginException.Permanent(object, "server sent no Content-Length", null));
    return new ObjectInfo(path, size, 0644, version(r.headers()));
  }

  private static String version(HttpHeaders h) {
    return h.firstValue("etag").orElseGet(() -> "last-modified " + h.firstValue("last-modified").orElse("unknown"));
  }

  @Override
  public void read(String path, String expectedVersion, long offset, long length, WritableByteChannel sink)
      throws IOException {
    URI object = object(path);
    if (length == 0) {
      return;
    }
    parts.read(object, (start, len, out) -> {
      HttpRequest.Builder b = request(object).GET().header("Range", "bytes=" + start + "-" + (start + len - 1));
      if (expectedVersion != null && expectedVersion.startsWith("\"")) {
        b.header("If-Match", expectedVersion);
      }
      HttpResponse<InputStream> r;
      try {
        r = send(object, b);
      } catch (OriginException.Changed e) {
        throw new OriginException.Changed(object, expectedVersion, currentVersion(path));
      }
      try (InputStream in = r.body()) {
        String actual = version(r.headers());
        if (expectedVersion != null && !expectedVersion.equals(actual)) {
          throw new OriginException.Changed(object, expectedVersion, actual);
        }
        if (r.statusCode() != 206 && !(r.statusCode() == 200 && start == 0)) {
          throw new OriginException.Permanent(object, "server answered " + r.statusCode()
              + " to a range request; it must honour Range", null);
        }
        Bodies.copy(object, in, len, out);
      }
    }, offset, length, sink);
  }

  private String currentVersion(String path) {
    try {
      return stat(path).version();
    } catch (IOException e) {
      return "unknown (" + e.getClass().getSimpleName() + ")";
    }
  }

  @Override
  public byte[] readAll(String path, int maxBytes) throws IOException {
    URI object = object(path);
    HttpResponse<InputStream> r = send(object, request(object).GET());
    try (InputStream in = r.body()) {
      long size = r.headers().firstValueAsLong("content-length").orElse(-1);
      if (size >= 0) {
        return Bodies.readAll(object, in, size, maxBytes);
      }
      byte[] b = in.readNBytes(maxBytes + 1);
      if (b.length > maxBytes) {
        throw new OriginException.Permanent(object, "object exceeds the limit of " + maxBytes + " bytes", null);
      }
      return b;
    }
  }

  @Override
  public void put(String path, byte[] bytes) throws IOException {
    throw new OriginException.Permanent(object(path), "HTTPS origins are read-only; write manifests elsewhere "
        + "(import --manifests URI)", null);
  }

  private URI object(String path) {
    Bodies.keyOf("", path);
    return uri.resolve(encode(path));
  }

  private static String encode(String path) {
    StringBuilder sb = new StringBuilder();
    for (String seg : path.split("/", -1)) {
      if (sb.length() > 0) {
        sb.append('/');
      }
      sb.append(java.net.URLEncoder.encode(seg, StandardCharsets.UTF_8).replace("+", "%20"));
    }
    return sb.toString();
  }

  /** A request to {@code target} (named without its query everywhere else) carrying the query credential, if any. */
  private HttpRequest.Builder request(URI target) {
    URI sent = query.map(q -> URI.create(target + (target.getRawQuery() == null ? "?" : "&") + q)).orElse(target);
    HttpRequest.Builder b = HttpRequest.newBuilder(sent).timeout(Duration.ofSeconds(60));
    authorization.ifPresent(a -> b.header("Authorization", a));
    return b;
  }

  /** Sends and maps every status but 2xx onto the contract (the body of an error is dropped). */
  private HttpResponse<InputStream> send(URI target, HttpRequest.Builder b) throws IOException {
    HttpResponse<InputStream> r;
    try {
      r = http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new OriginException.Transient(target, "interrupted", e);
    } catch (IOException e) {
      throw new OriginException.Transient(target, e.getClass().getSimpleName() + ": " + e.getMessage(), e);
    }
    int status = r.statusCode();
    if (status / 100 == 2) {
      return r;
    }
    r.body().close();
    String what = "HTTP " + status;
    throw switch (status) {
      case 404, 410 -> new OriginException.NotFound(target);
      case 401, 403 -> new OriginException.AccessDenied(target, null);
      case 412 -> new OriginException.Changed(target, "the one asked for", "another (412 Precondition Failed)");
      case 429, 503 -> new OriginException.Throttled(target, what, null);
      case 408, 500, 502, 504 -> new OriginException.Transient(target, what, null);
      default -> new OriginException.Permanent(target, what, null);
    };
  }

  @Override
  public void close() {
    parts.close();
  }
}
