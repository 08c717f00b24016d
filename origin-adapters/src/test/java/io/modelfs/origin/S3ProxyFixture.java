package io.modelfs.origin;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStoreContext;

/**
 * s3proxy running inside the test JVM on a free loopback port, over jclouds' in-memory
 * ({@code transient}) or on-disk ({@code filesystem}) blobstore, with AWS v4 authentication.
 */
final class S3ProxyFixture implements AutoCloseable {
  static final String ACCESS_KEY = "modelfs-test-access";
  static final String SECRET_KEY = "modelfs-test-secret-do-not-log";

  private final S3Proxy proxy;
  private final BlobStoreContext context;

  S3ProxyFixture(Path filesystemDir) throws Exception {
    Properties p = new Properties();
    ContextBuilder builder;
    if (filesystemDir == null) {
      builder = ContextBuilder.newBuilder("transient");
    } else {
      p.setProperty("jclouds.filesystem.basedir", filesystemDir.toString());
      builder = ContextBuilder.newBuilder("filesystem");
    }
    context = builder.credentials("identity", "credential").overrides(p).build(BlobStoreContext.class);
    proxy = S3Proxy.builder()
        .blobStore(context.getBlobStore())
        .endpoint(URI.create("http://127.0.0.1:0"))
        .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, SECRET_KEY)
        .build();
    proxy.start();
    for (int i = 0; i < 200 && !proxy.getState().equals("STARTED"); i++) {
      Thread.sleep(25);
    }
    if (!proxy.getState().equals("STARTED")) {
      throw new IllegalStateException("s3proxy did not start: " + proxy.getState());
    }
  }

  URI endpoint() {
    return URI.create("http://127.0.0.1:" + proxy.getPort());
  }

  void createBucket(String bucket) {
    context.getBlobStore().createContainerInLocation(null, bucket);
  }

  /** Writes a credentials file as an operator would ({@code file:} source). */
  static Path credentialsFile(Path dir, String secret) throws Exception {
    Path f = dir.resolve("s3.properties");
    Files.writeString(f, "access-key-id=" + ACCESS_KEY + "\nsecret-access-key=" + secret + "\n");
    return f;
  }

  /** Settings for an origin that talks to this proxy. */
  OriginSettings settings(Path credentials) {
    return OriginSettings.defaults().withEndpoint(endpoint()).withCredentials("file:" + credentials)
        .withChecksumsWhenRequired(true);
  }

  @Override
  public void close() throws Exception {
    proxy.stop();
    context.close();
  }
}
