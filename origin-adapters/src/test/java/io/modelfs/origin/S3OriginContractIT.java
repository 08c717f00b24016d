package io.modelfs.origin;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The contract against s3proxy (S3 API over jclouds' in-memory store) in this JVM. */
class S3OriginContractIT extends OriginContract {
  private static final AtomicInteger BUCKETS = new AtomicInteger();
  static S3ProxyFixture s3;
  @TempDir static Path dir;
  static Path credentials;

  @BeforeAll
  static void start() throws Exception {
    s3 = new S3ProxyFixture(null);
    credentials = S3ProxyFixture.credentialsFile(dir, S3ProxyFixture.SECRET_KEY);
  }

  @AfterAll
  static void stop() throws Exception {
    s3.close();
  }

  @Override
  Origin open() throws Exception {
    String bucket = "bucket" + BUCKETS.incrementAndGet();
    s3.createBucket(bucket);
    return S3Origin.open(URI.create("s3://" + bucket + "/models/m1/"), s3.settings(credentials).withParts(64 << 10, 4));
  }

  @Override
  Origin openMissingBucket() throws Exception {
    return S3Origin.open(URI.create("s3://no-such-bucket/models/"), s3.settings(credentials));
  }

  @Override
  Origin manifestsLocation() throws Exception {
    return Origins.open(origin.uri().resolve(".modelfs/manifests/").toString(),
        OriginConfig.of(OriginSettings.defaults(), "s3://", s3.settings(credentials)));
  }

  @Test
  void wrongSecretIsAccessDeniedAndTheSecretAppearsNowhere() throws Exception {
    Path bad = dir.resolve("bad");
    java.nio.file.Files.createDirectories(bad);
    Path wrong = S3ProxyFixture.credentialsFile(bad, "wrong-secret-value-xyz");
    store(origin, "a.bin", new byte[] {1});
    try (Origin o = S3Origin.open(origin.uri(), s3.settings(wrong))) {
      OriginException e = assertThrows(OriginException.AccessDenied.class, () -> o.stat("a.bin"));
      assertFalse(String.valueOf(e).contains("wrong-secret-value-xyz"), e.toString());
      assertFalse(String.valueOf(e.getCause()).contains("wrong-secret-value-xyz"));
      assertTrue(e.getMessage().contains(origin.uri().toString()), e.getMessage());
    }
  }

  /**
   * s3proxy's filesystem backend sends no ETag for a file placed beside it (so do some
   * S3-compatible stores): the version is then the last-modified time, checked on every read.
   */
  @Test
  void anObjectWithoutAnETagIsVersionedByItsModificationTime() throws Exception {
    Path blobs = java.nio.file.Files.createDirectories(dir.resolve("fs-blobs"));
    try (S3ProxyFixture fs = new S3ProxyFixture(blobs)) {
      fs.createBucket("plain");
      Path file = java.nio.file.Files.createDirectories(blobs.resolve("plain/m")).resolve("w.bin");
      byte[] data = random(300_000, 11);
      java.nio.file.Files.write(file, data);
      java.nio.file.Files.setLastModifiedTime(file, java.nio.file.attribute.FileTime.fromMillis(1_700_000_000_000L));
      try (Origin o = S3Origin.open(URI.create("s3://plain/m/"), fs.settings(credentials).withParts(64 << 10, 4))) {
        ObjectInfo info = o.list().get(0);
        assertTrue(info.version().startsWith("last-modified "), info.version());
        assertEquals(info.version(), o.stat("w.bin").version());
        assertArrayEquals(data, read(o, "w.bin", info.version(), 0, data.length));
        java.nio.file.Files.setLastModifiedTime(file, java.nio.file.attribute.FileTime.fromMillis(1_800_000_000_000L));
        assertThrows(OriginException.Changed.class, () -> read(o, "w.bin", info.version(), 0, 1000));
      }
    }
  }

  @Test
  void endpointsThatAreAddressesUsePathStyle() {
    assertTrue(S3Origin.isLocalOrIp("127.0.0.1"));
    assertTrue(S3Origin.isLocalOrIp("localhost"));
    assertTrue(S3Origin.isLocalOrIp("[::1]"));
    assertFalse(S3Origin.isLocalOrIp("s3.eu-west-1.amazonaws.com"));
    assertEquals("s3://b/p/", URI.create("s3://b/p/").toString());
  }
}
