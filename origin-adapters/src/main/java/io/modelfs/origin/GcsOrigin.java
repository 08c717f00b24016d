package io.modelfs.origin;

import com.google.auth.oauth2.GoogleCredentials;
import com.google.cloud.NoCredentials;
import com.google.cloud.ReadChannel;
import com.google.cloud.WriteChannel;
import com.google.cloud.ServiceOptions;
import com.google.cloud.storage.Blob;
import com.google.cloud.storage.BlobId;
import com.google.cloud.storage.BlobInfo;
import com.google.cloud.storage.Storage;
import com.google.cloud.storage.StorageException;
import com.google.cloud.storage.StorageOptions;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * {@code gs://bucket/prefix/} through google-cloud-storage (JSON API). Credentials are
 * application default credentials, a service-account key file, or none; the endpoint can be
 * overridden for an emulator (also through {@code STORAGE_EMULATOR_HOST}). The version of an
 * object is its generation; reads ask for that generation with a generation-match precondition,
 * so an object rewritten after import answers 412 or 404, both reported as {@code Changed}.
 */
final class GcsOrigin implements Origin {
  private final URI uri;
  private final String bucket;
  private final String prefix;
  private final Storage storage;
  private final ParallelRanges parts;

  GcsOrigin(URI uri, Storage storage, OriginSettings settings) {
    BucketPath where = BucketPath.of(uri);
    this.bucket = where.bucket();
    this.prefix = where.prefix();
    this.uri = where.uri();
    this.storage = storage;
    this.parts = new ParallelRanges(settings.partSize(), settings.concurrency());
  }

  static GcsOrigin open(URI uri, OriginSettings s) throws OriginException {
    BucketPath.checkBucket(uri, "GCS");
    StorageOptions.Builder b = StorageOptions.http().setRetrySettings(ServiceOptions.getNoRetrySettings());
    String emulator = System.getenv("STORAGE_EMULATOR_HOST");
    URI endpoint = s.endpoint() != null ? s.endpoint()
        : emulator != null && !emulator.isBlank() ? URI.create(emulator.contains("://") ? emulator : "http://" + emulator)
        : null;
    if (endpoint != null) {
      b.setHost(endpoint.toString());
    }
    try {
      switch (Credentials.kind(s.credentials())) {
        case "default" -> {
          if (endpoint != null && s.credentials().equals("default")) {
            b.setCredentials(NoCredentials.getInstance()).setProjectId("modelfs");
          }
        }
        case "anonymous" -> b.setCredentials(NoCredentials.getInstance());
        case "file" -> {
          try (InputStream in = Files.newInputStream(Path.of(Credentials.argument(s.credentials())))) {
            b.setCredentials(GoogleCredentials.fromStream(in));
          }
        }
        default -> throw new OriginException.Permanent(uri, "credentials source '" + Credentials.kind(s.credentials())
            + "' is not supported for GCS (use default, anonymous or file:/key.json)", null);
      }
      return new GcsOrigin(uri, b.build().getService(), s);
    } catch (IOException | RuntimeException e) {
      if (e instanceof OriginException oe) {
        throw oe;
      }
      throw new OriginException.Permanent(uri, "cannot set up the GCS client (" + e.getClass().getSimpleName()
          + "); check the credentials source " + s.credentials(), null);
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
      for (Blob b : storage.list(bucket, Storage.BlobListOption.prefix(prefix)).iterateAll()) {
        String path = Bodies.pathOf(prefix, b.getName());
        if (path != null) {
          out.add(new ObjectInfo(path, b.getSize(), 0644, String.valueOf(b.getGeneration())));
        }
      }
      if (out.isEmpty() && !bucketMayExist()) {
        throw new OriginException.NotFound(URI.create("gs://" + bucket + "/"));
      }
    } catch (StorageException e) {
      throw translate(uri, e);
    }
    out.sort(Comparator.comparing(ObjectInfo::path));
    return out;
  }

  /** False only when the bucket is known not to exist (credentials may not allow asking). */
  private boolean bucketMayExist() {
    try {
      return storage.get(bucket) != null;
    } catch (StorageException e) {
      return e.getCode() != 404;
    }
  }

  @Override
  public ObjectInfo stat(String path) throws IOException {
    URI object = uri.resolve(path);
    try {
      Blob b = storage.get(BlobId.of(bucket, Bodies.keyOf(prefix, path)));
      if (b == null) {
        throw new OriginException.NotFound(object);
      }
      return new ObjectInfo(path, b.getSize(), 0644, String.valueOf(b.getGeneration()));
    } catch (StorageException e) {
      throw translate(object, e);
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
    Long generation = parseGeneration(object, expectedVersion);
    parts.read(object, (start, len, out) -> {
      Storage.BlobSourceOption[] options = generation == null ? new Storage.BlobSourceOption[0]
          : new Storage.BlobSourceOption[] {Storage.BlobSourceOption.generationMatch(generation)};
      try (ReadChannel rc = storage.reader(BlobId.of(bucket, key), options)) {
        rc.setChunkSize(0);
        rc.seek(start);
        rc.limit(start + len);
        ByteBuffer buf = ByteBuffer.allocate((int) Math.min(len, 1 << 20));
        long done = 0;
        while (done < len) {
          buf.clear().limit((int) Math.min(buf.capacity(), len - done));
          int n = rc.read(buf);
          if (n < 0) {
            throw new OriginException.Transient(object, "body ended after " + done + " of " + len + " bytes", null);
          }
          buf.flip();
          while (buf.hasRemaining()) {
            out.write(buf);
          }
          done += n;
        }
      } catch (StorageException e) {
        throw changedOr(object, path, expectedVersion, e);
      } catch (IOException e) {
        if (e instanceof OriginException oe) {
          throw oe;
        }
        if (e.getCause() instanceof StorageException se) {
          throw changedOr(object, path, expectedVersion, se);
        }
        throw new OriginException.Transient(object, e.getClass().getSimpleName() + ": " + e.getMessage(), e);
      }
    }, offset, length, sink);
  }

  private OriginException changedOr(URI object, String path, String expected, StorageException e) {
    if (expected != null && (e.getCode() == 412 || e.getCode() == 404)) {
      try {
        return new OriginException.Changed(object, expected, stat(path).version());
      } catch (IOException statFailed) {
        return statFailed instanceof OriginException oe ? oe : translate(object, e);
      }
    }
    return translate(object, e);
  }

  private static Long parseGeneration(URI object, String version) throws OriginException {
    if (version == null) {
      return null;
    }
    try {
      return Long.parseLong(version);
    } catch (NumberFormatException e) {
      throw new OriginException.Changed(object, version, "a GCS generation (a number)");
    }
  }

  @Override
  public byte[] readAll(String path, int maxBytes) throws IOException {
    URI object = uri.resolve(path);
    try {
      Blob b = storage.get(BlobId.of(bucket, Bodies.keyOf(prefix, path)));
      if (b == null) {
        throw new OriginException.NotFound(object);
      }
      if (b.getSize() > maxBytes) {
        throw new OriginException.Permanent(object, "object of " + b.getSize() + " bytes exceeds the limit of "
            + maxBytes, null);
      }
      return storage.readAllBytes(b.getBlobId());
    } catch (StorageException e) {
      throw translate(object, e);
    }
  }

  @Override
  public void put(String path, byte[] bytes) throws IOException {
    URI object = uri.resolve(path);
    try {
      // one upload, so readers see the old object or the new one; the writer path also reports
      // the new generation on the in-memory test fake
      try (WriteChannel w = storage.writer(BlobInfo.newBuilder(BlobId.of(bucket, Bodies.keyOf(prefix, path))).build())) {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        while (b.hasRemaining()) {
          w.write(b);
        }
      }
    } catch (StorageException e) {
      throw translate(object, e);
    }
  }

  static OriginException translate(URI uri, StorageException e) {
    int code = e.getCode();
    String what = "HTTP " + code + (e.getReason() == null ? "" : " " + e.getReason());
    if (code == 404) {
      return new OriginException.NotFound(uri);
    }
    if (code == 401 || code == 403) {
      return new OriginException.AccessDenied(uri, null);
    }
    if (code == 429 || code == 503) {
      return new OriginException.Throttled(uri, what, null);
    }
    if (code == 0 || code == 408 || code >= 500 || e.isRetryable()) {
      return new OriginException.Transient(uri, what, null);
    }
    return new OriginException.Permanent(uri, what, null);
  }

  @Override
  public void close() throws IOException {
    parts.close();
    try {
      storage.close();
    } catch (Exception e) {
      throw new IOException("closing the GCS client for " + uri + ": " + e.getMessage(), e);
    }
  }
}
