package io.modelfs.origin;

import com.azure.core.util.Context;
import com.azure.identity.DefaultAzureCredentialBuilder;
import com.azure.storage.blob.BlobClient;
import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.BlobServiceClientBuilder;
import com.azure.storage.blob.models.BlobItem;
import com.azure.storage.blob.models.BlobProperties;
import com.azure.storage.blob.models.BlobRange;
import com.azure.storage.blob.models.BlobRequestConditions;
import com.azure.storage.blob.models.BlobStorageException;
import com.azure.storage.blob.models.DownloadRetryOptions;
import com.azure.storage.blob.models.ListBlobsOptions;
import com.azure.storage.common.policy.RequestRetryOptions;
import com.azure.storage.common.policy.RetryPolicyType;
import com.azure.core.util.BinaryData;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Properties;

/**
 * {@code az://account/container/prefix/} through azure-storage-blob. Credentials: {@code
 * DefaultAzureCredential}, a connection string or SAS token (from a file or an environment
 * variable), or none; the endpoint defaults to {@code https://<account>.blob.core.windows.net}
 * and can be overridden (Azurite). The version of a blob is its ETag (stored without quotes);
 * reads send {@code If-Match}, so a blob rewritten after import answers 412 ({@code Changed}).
 * The SDK's own retries are off: {@link RetryingOrigin} retries every origin the same way.
 */
final class AzureOrigin implements Origin {
  private final URI uri;
  private final String prefix;
  private final BlobContainerClient container;
  private final ParallelRanges parts;

  AzureOrigin(URI uri, String container, String prefix, BlobContainerClient client, OriginSettings settings) {
    this.prefix = Bodies.dirPrefix(prefix);
    this.uri = URI.create("az://" + uri.getHost() + "/" + container + "/" + this.prefix);
    this.container = client;
    this.parts = new ParallelRanges(settings.partSize(), settings.concurrency());
  }

  static AzureOrigin open(URI uri, OriginSettings s) throws OriginException {
    String account = uri.getHost();
    String path = uri.getPath() == null ? "" : uri.getPath().replaceFirst("^/", "");
    int slash = path.indexOf('/');
    String container = slash < 0 ? path : path.substring(0, slash);
    if (account == null || container.isEmpty()) {
      throw new OriginException.Permanent(uri, "an Azure URI needs an account and a container: "
          + "az://account/container/prefix/", null);
    }
    BlobServiceClientBuilder b = new BlobServiceClientBuilder()
        .retryOptions(new RequestRetryOptions(RetryPolicyType.FIXED, 1, (Integer) null, null, null, null));
    try {
      String secret = switch (Credentials.kind(s.credentials())) {
        case "default" -> {
          b.credential(new DefaultAzureCredentialBuilder().build());
          yield null;
        }
        case "anonymous" -> null;
        case "env" -> Credentials.env(uri, s.credentials());
        case "file" -> {
          Properties p = Credentials.properties(uri, s.credentials());
          String cs = p.getProperty("connection-string");
          yield cs != null ? cs.trim() : Credentials.required(uri, s.credentials(), p, "sas-token");
        }
        default -> throw new OriginException.Permanent(uri, "credentials source '" + Credentials.kind(s.credentials())
            + "' is not supported for Azure (use default, anonymous, env:VAR or file:/path)", null);
      };
      boolean connectionString = secret != null && (secret.contains("AccountName=")
          || secret.contains("BlobEndpoint=") || secret.contains("SharedAccessSignature="));
      if (connectionString) {
        b.connectionString(secret);
      } else if (secret != null) {
        b.sasToken(secret);
      }
      if (s.endpoint() != null) {
        b.endpoint(s.endpoint().toString());
      } else if (!connectionString) {
        b.endpoint("https://" + account + ".blob.core.windows.net");
      }
      BlobContainerClient client = b.buildClient().getBlobContainerClient(container);
      return new AzureOrigin(uri, container, slash < 0 ? "" : path.substring(slash + 1), client, s);
    } catch (RuntimeException e) {
      throw new OriginException.Permanent(uri, "cannot set up the Azure client (" + e.getClass().getSimpleName()
          + "); check the endpoint and the credentials source " + s.credentials(), null);
    }
  }

  @Override
  public URI uri() {
    return uri;
  }

  @Override
  public List<ObjectInfo> list() throws IOException {
    List<ObjectInfo> out = new ArrayList<>();
    try {
      for (BlobItem item : container.listBlobs(new ListBlobsOptions().setPrefix(prefix), null)) {
        String path = Bodies.pathOf(prefix, item.getName());
        if (path != null && !Boolean.TRUE.equals(item.isPrefix())) {
          out.add(new ObjectInfo(path, item.getProperties().getContentLength(), 0644,
              unquote(item.getProperties().getETag())));
        }
      }
    } catch (BlobStorageException e) {
      throw translate(uri, e);
    } catch (RuntimeException e) {
      throw transientOf(uri, e);
    }
    out.sort(Comparator.comparing(ObjectInfo::path));
    return out;
  }

  @Override
  public ObjectInfo stat(String path) throws IOException {
    URI object = uri.resolve(path);
    try {
      BlobProperties p = blob(path).getProperties();
      return new ObjectInfo(path, p.getBlobSize(), 0644, unquote(p.getETag()));
    } catch (BlobStorageException e) {
      throw translate(object, e);
    } catch (RuntimeException e) {
      throw transientOf(object, e);
    }
  }

  @Override
  public void read(String path, String expectedVersion, long offset, long length, WritableByteChannel sink)
      throws IOException {
    BlobClient blob = blob(path);
    URI object = uri.resolve(path);
    if (length == 0) {
      return;
    }
    parts.read(object, (start, len, out) -> {
      SinkStream stream = new SinkStream(out, len);
      try {
        BlobRequestConditions conditions = new BlobRequestConditions();
        if (expectedVersion != null) {
          conditions.setIfMatch("\"" + expectedVersion + "\"");
        }
        blob.downloadStreamWithResponse(stream, new BlobRange(start, len),
            new DownloadRetryOptions().setMaxRetryRequests(0), conditions, false, null, Context.NONE);
      } catch (BlobStorageException e) {
        if (e.getStatusCode() == 412) {
          throw new OriginException.Changed(object, expectedVersion, currentVersion(path));
        }
        if (e.getStatusCode() == 416) {
          throw new OriginException.Changed(object, "with at least " + (start + len) + " bytes", currentVersion(path));
        }
        throw translate(object, e);
      } catch (UncheckedIOException e) {
        if (e.getCause() instanceof SinkFailed sf) {
          throw sf.cause;
        }
        throw transientOf(object, e);
      } catch (RuntimeException e) {
        throw transientOf(object, e);
      }
      if (stream.written != len) {
        throw new OriginException.Transient(object, "body ended after " + stream.written + " of " + len + " bytes",
            null);
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
    URI object = uri.resolve(path);
    ObjectInfo info = stat(path);
    if (info.size() > maxBytes) {
      throw new OriginException.Permanent(object, "object of " + info.size() + " bytes exceeds the limit of "
          + maxBytes, null);
    }
    ByteBuffer buf = ByteBuffer.allocate((int) info.size());
    read(path, info.version(), 0, info.size(), new ParallelRanges.BufferSink(buf));
    return buf.array();
  }

  @Override
  public void put(String path, byte[] bytes) throws IOException {
    URI object = uri.resolve(path);
    try {
      blob(path).upload(BinaryData.fromBytes(bytes), true);
    } catch (BlobStorageException e) {
      throw translate(object, e);
    } catch (RuntimeException e) {
      throw transientOf(object, e);
    }
  }

  private BlobClient blob(String path) {
    return container.getBlobClient(Bodies.keyOf(prefix, path));
  }

  private static String unquote(String etag) {
    return etag != null && etag.length() >= 2 && etag.startsWith("\"") && etag.endsWith("\"")
        ? etag.substring(1, etag.length() - 1) : etag;
  }

  /** Maps a service error; the SDK's message is dropped since it can hold a SAS-signed URL. */
  static OriginException translate(URI uri, BlobStorageException e) {
    int status = e.getStatusCode();
    String what = "HTTP " + status + (e.getErrorCode() == null ? "" : " " + e.getErrorCode());
    if (status == 404) {
      return new OriginException.NotFound(uri);
    }
    if (status == 401 || status == 403) {
      return new OriginException.AccessDenied(uri, null);
    }
    if (status == 429 || status == 503) {
      return new OriginException.Throttled(uri, what, null);
    }
    if (status == 408 || status >= 500) {
      return new OriginException.Transient(uri, what, null);
    }
    return new OriginException.Permanent(uri, what, null);
  }

  private static OriginException transientOf(URI uri, RuntimeException e) {
    Throwable t = e.getCause() != null ? e.getCause() : e;
    return new OriginException.Transient(uri, t.getClass().getSimpleName(), null);
  }

  @Override
  public void close() {
    parts.close();
  }

  private static final class SinkFailed extends IOException {
    final IOException cause;

    SinkFailed(IOException cause) {
      super(cause);
      this.cause = cause;
    }
  }

  /** The SDK writes to an OutputStream; this forwards to the caller's channel, refusing extra bytes. */
  private static final class SinkStream extends OutputStream {
    private final WritableByteChannel out;
    private final long limit;
    private long written;

    SinkStream(WritableByteChannel out, long limit) {
      this.out = out;
      this.limit = limit;
    }

    @Override
    public void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      if (written + len > limit) {
        throw new SinkFailed(new IOException("origin sent more than the " + limit + " bytes asked for"));
      }
      ByteBuffer buf = ByteBuffer.wrap(b, off, len);
      try {
        while (buf.hasRemaining()) {
          out.write(buf);
        }
      } catch (IOException e) {
        throw new SinkFailed(e);
      }
      written += len;
    }
  }
}
