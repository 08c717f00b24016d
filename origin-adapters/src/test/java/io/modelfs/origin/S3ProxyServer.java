package io.modelfs.origin;

import java.net.URI;
import java.nio.file.Path;
import java.util.Properties;
import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStoreContext;

/**
 * s3proxy as a standalone, unauthenticated server over a directory (each top-level directory a
 * bucket) for benchmark scripts: {@code S3ProxyServer DIR PORT}. Prints "ready http://..." once
 * it serves, then runs until killed. Benchmark tooling, not part of the product.
 */
public final class S3ProxyServer {
  public static void main(String[] args) throws Exception {
    Properties p = new Properties();
    p.setProperty("jclouds.filesystem.basedir", Path.of(args[0]).toAbsolutePath().toString());
    BlobStoreContext ctx = ContextBuilder.newBuilder("filesystem").overrides(p).build(BlobStoreContext.class);
    S3Proxy proxy = S3Proxy.builder().blobStore(ctx.getBlobStore())
        .endpoint(URI.create("http://127.0.0.1:" + args[1]))
        .awsAuthentication(AuthenticationType.NONE, null, null).build();
    proxy.start();
    for (int i = 0; i < 400 && !proxy.getState().equals("STARTED"); i++) {
      Thread.sleep(25);
    }
    System.out.println("ready http://127.0.0.1:" + proxy.getPort());
    Thread.sleep(Long.MAX_VALUE);
  }
}
