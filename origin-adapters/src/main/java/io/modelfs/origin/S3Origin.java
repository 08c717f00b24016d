package io.modelfs.origin;

import java.io.IOException;
import java.net.URI;
import java.nio.channels.WritableByteChannel;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import software.amazon.awssdk.auth.credentials.AnonymousCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.ProfileCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.regions.providers.DefaultAwsRegionProviderChain;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * {@code s3://bucket/prefix/} through the AWS SDK v2 with a pooled Apache HTTP client. Works
 * with AWS and S3-compatible stores (MinIO, s3proxy, Ceph): endpoint, region and path-style come
 * from {@link OriginSettings} or the standard AWS environment ({@code AWS_ENDPOINT_URL_S3},
 * {@code AWS_ENDPOINT_URL}, {@code AWS_REGION}); path-style is chosen automatically for an
 * endpoint that is an IP address or {@code localhost}. The version of an object is its ETag;
 * reads send {@code If-Match} so a rewritten object answers 412 ({@code Changed}). The SDK's own
 * retries are off: {@link RetryingOrigin} retries every origin the same way.
 */
final class S3Origin implements Origin {
  private final URI uri;
  private final String bucket;
  private final String prefix;
  private final S3Client s3;
  private final ParallelRanges parts;

  S3Origin(URI uri, S3Client s3, OriginSettings settings) {
    BucketPath where = BucketPath.of(uri);
    this.bucket = where.bucket();
    this.prefix = where.prefix();
    this.uri = where.uri();
    this.s3 = s3;
    this.parts = new ParallelRanges(settings.partSize(), settings.concurrency());
  }

  static S3Origin open(URI uri, OriginSettings settings) throws OriginException {
    BucketPath.checkBucket(uri, "S3");
    try {
      return new S3Origin(uri, client(uri, settings), settings);
    } catch (SdkException | IllegalArgumentException e) {
      throw new OriginException.Permanent(uri, "cannot set up the S3 client: " + e.getMessage(), null);
    }
  }

  static S3Client client(URI origin, OriginSettings s) throws OriginException {
    URI endpoint = s.endpoint() != null ? s.endpoint() : envEndpoint();
    S3ClientBuilder b = S3Client.builder()
        .httpClientBuilder(ApacheHttpClient.builder().maxConnections(Math.max(64, 4 * s.concurrency())))
        .credentialsProvider(credentials(origin, s.credentials()))
        .region(region(s, endpoint))
        .overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.doNotRetry()))
        .forcePathStyle(s.pathStyle() != null ? s.pathStyle() : endpoint != null && isLocalOrIp(endpoint.getHost()));
    if (s.checksumsWhenRequired()) {
      b.requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
          .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED);
    }
    if (endpoint != null) {
      b.endpointOverride(endpoint);
    }
    return b.build();
  }

  private static URI envEndpoint() {
    for (String var : List.of("AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL")) {
      String v = System.getenv(var);
      if (v != null && !v.isBlank()) {
        return URI.create(v.trim());
      }
    }
    return null;
  }

  /**
   * The configured region, else {@code AWS_REGION}/{@code AWS_DEFAULT_REGION}; for AWS itself
   * the SDK's chain (profile, instance metadata); for an endpoint override {@code us-east-1}
   * without asking instance metadata, which would only time out off EC2.
   */
  private static Region region(OriginSettings s, URI endpoint) {
    if (s.region() != null) {
      return Region.of(s.region());
    }
    for (String var : List.of("AWS_REGION", "AWS_DEFAULT_REGION")) {
      String v = System.getenv(var);
      if (v != null && !v.isBlank()) {
        return Region.of(v.trim());
      }
    }
    if (endpoint != null) {
      return Region.US_EAST_1;
    }
    try {
      return new DefaultAwsRegionProviderChain().getRegion();
    } catch (SdkClientException e) {
      return Region.US_EAST_1;
    }
  }

  static boolean isLocalOrIp(String host) {
    if (host == null) {
      return false;
    }
    String h = host.toLowerCase(Locale.ROOT);
    return h.equals("localhost") || h.endsWith(".localhost") || h.startsWith("[")
        || h.matches("\\d{1,3}(\\.\\d{1,3}){3}") || h.contains(":");
  }

  private static AwsCredentialsProvider credentials(URI origin, String source) throws OriginException {
    return switch (Credentials.kind(source)) {
      case "default" -> DefaultCredentialsProvider.builder().build();
      case "anonymous" -> AnonymousCredentialsProvider.create();
      case "profile" -> ProfileCredentialsProvider.create(Credentials.argument(source));
      case "file" -> {
        Properties p = Credentials.properties(origin, source);
        String id = Credentials.required(origin, source, p, "access-key-id");
        String secret = Credentials.required(origin, source, p, "secret-access-key");
        String token = p.getProperty("session-token");
        yield StaticCredentialsProvider.create(token == null
            ? AwsBasicCredentials.create(id, secret)
            : AwsSessionCredentials.create(id, secret, token.trim()));
      }
      default -> throw new OriginException.Permanent(origin, "credentials source '" + Credentials.kind(source)
          + "' is not supported for S3 (use default, anonymous, profile:NAME or file:/path)", null);
    };
  }

  @Override
  public URI uri() {
    return uri;
  }

  @Override
  public List<ObjectInfo> list() throws IOException {
    List<ObjectInfo> out = new ArrayList<>();
    try {
      for (S3Object o : s3.listObjectsV2Paginator(r -> r.bucket(bucket).prefix(prefix)).contents()) {
        String path = Bodies.pathOf(prefix, o.key());
        if (path != null) {
          out.add(new ObjectInfo(path, o.size(), 0644, version(o.eTag(), o.lastModified())));
        }
      }
    } catch (SdkException e) {
      throw translate(uri, e);
    }
    out.sort(Comparator.comparing(ObjectInfo::path));
    return out;
  }

  @Override
  public ObjectInfo stat(String path) throws IOException {
    String key = Bodies.keyOf(prefix, path);
    try {
      HeadObjectResponse h = s3.headObject(r -> r.bucket(bucket).key(key));
      return new ObjectInfo(path, h.contentLength(), 0644, version(h.eTag(), h.lastModified()));
    } catch (SdkException e) {
      throw translate(uri.resolve(path), e);
    }
  }

  @Override
  public void read(String path, String expectedVersion, long offset, long length, WritableByteChannel sink)
      throws IOException {
    String key = Bodies.keyOf(prefix, path);
    URI object = uri.resolve(path);
    if (length == 0) {
      return;
    }
    String ifMatch = expectedVersion != null && expectedVersion.startsWith(LAST_MODIFIED) ? null : expectedVersion;
    parts.read(object, (start, len, out) -> {
      try (ResponseInputStream<GetObjectResponse> in = s3.getObject(r -> r.bucket(bucket).key(key)
          .range("bytes=" + start + "-" + (start + len - 1)).ifMatch(ifMatch))) {
        String actual = version(in.response().eTag(), in.response().lastModified());
        if (expectedVersion != null && !expectedVersion.equals(actual)
            && (in.response().eTag() != null || ifMatch == null)) {
          throw new OriginException.Changed(object, expectedVersion, actual);
        }
        Bodies.copy(object, in, len, out);
      } catch (S3Exception e) {
        if (e.statusCode() == 412) {
          throw new OriginException.Changed(object, expectedVersion, currentVersion(path));
        }
        if (e.statusCode() == 416) {
          throw new OriginException.Changed(object, "with at least " + (start + len) + " bytes", currentVersion(path));
        }
        throw translate(object, e);
      } catch (SdkException e) {
        throw translate(object, e);
      }
    }, offset, length, sink);
  }

  private static final String LAST_MODIFIED = "last-modified ";

  /**
   * An object's version: its ETag, or — from stores that send none (s3proxy's filesystem backend
   * for files placed beside it, some S3-compatible servers) — its last-modified time, compared
   * on every read since there is no ETag to send in {@code If-Match}.
   */
  private static String version(String eTag, java.time.Instant lastModified) {
    if (eTag != null && !eTag.isEmpty()) {
      return eTag;
    }
    return LAST_MODIFIED + (lastModified == null ? "unknown" : lastModified.toString());
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
    String key = Bodies.keyOf(prefix, path);
    URI object = uri.resolve(path);
    try (ResponseInputStream<GetObjectResponse> in = s3.getObject(r -> r.bucket(bucket).key(key))) {
      return Bodies.readAll(object, in, in.response().contentLength(), maxBytes);
    } catch (SdkException e) {
      throw translate(object, e);
    }
  }

  @Override
  public void put(String path, byte[] bytes) throws IOException {
    String key = Bodies.keyOf(prefix, path);
    try {
      s3.putObject(r -> r.bucket(bucket).key(key), RequestBody.fromBytes(bytes));
    } catch (SdkException e) {
      throw translate(uri.resolve(path), e);
    }
  }

  /** Maps an SDK failure onto the contract; the message names status and code, never a credential. */
  static OriginException translate(URI uri, SdkException e) {
    if (e instanceof S3Exception s) {
      String code = s.awsErrorDetails() == null ? null : s.awsErrorDetails().errorCode();
      String what = "HTTP " + s.statusCode() + (code == null ? "" : " " + code);
      int status = s.statusCode();
      if (status == 404) {
        return new OriginException.NotFound(uri);
      }
      if (status == 401 || status == 403) {
        return new OriginException.AccessDenied(uri, null);
      }
      if (status == 429 || status == 503 || "SlowDown".equals(code)) {
        return new OriginException.Throttled(uri, what, null);
      }
      if (status >= 500 || status == 408) {
        return new OriginException.Transient(uri, what, null);
      }
      return new OriginException.Permanent(uri, what, null);
    }
    return new OriginException.Transient(uri, e.getClass().getSimpleName() + ": " + e.getMessage(), null);
  }

  @Override
  public void close() {
    parts.close();
    s3.close();
  }
}
