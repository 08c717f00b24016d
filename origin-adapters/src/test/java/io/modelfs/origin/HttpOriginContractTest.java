package io.modelfs.origin;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The contract against a local range-honouring HTTP server, plus real 503/429 and cut bodies. */
class HttpOriginContractTest extends OriginContract {
  @TempDir Path dir;
  RangeHttpServer server;

  @Override
  Origin open() throws Exception {
    Files.createDirectories(dir.resolve("models/m1"));
    server = new RangeHttpServer(dir);
    return new HttpOrigin(server.uri("models/m1/"), SMALL_PARTS);
  }

  @AfterEach
  void stopServer() {
    server.close();
  }

  @Override
  void store(Origin origin, String path, byte[] bytes) throws Exception {
    Path p = dir.resolve("models/m1").resolve(path);
    Files.createDirectories(p.getParent());
    Files.write(p, bytes);
    Files.setLastModifiedTime(p, FileTime.fromMillis(System.currentTimeMillis() + Arrays.hashCode(bytes) % 100_000));
  }

  @Override
  boolean writable() {
    return false;
  }

  @Override
  Origin openMissingBucket() throws Exception {
    return new HttpOrigin(server.uri("no-such-folder/"), SMALL_PARTS);
  }

  @Override
  Origin manifestsLocation() throws Exception {
    return Origins.open(dir.resolve("manifests").toUri().toString());
  }

  @Test
  void aFileUrlIsAnOriginOfThatOneFile() throws Exception {
    store(origin, "one.bin", random(1000, 1));
    store(origin, "other.bin", random(10, 2));
    try (Origin single = Origins.open(server.uri("models/m1/one.bin").toString())) {
      assertEquals(server.uri("models/m1/").toString(), single.uri().toString());
      assertEquals(List.of("one.bin"), single.list().stream().map(ObjectInfo::path).toList());
    }
  }

  @Test
  void aPreSignedUrlSendsItsQueryButNeverNamesIt() throws Exception {
    byte[] data = random(5000, 7);
    store(origin, "signed.bin", data);
    String signature = "X-Amz-Signature=s3cr3tsig&X-Amz-Expires=600";
    server.requiredQuery = signature;
    try (Origin signed = Origins.open(server.uri("models/m1/signed.bin") + "?" + signature)) {
      assertEquals(server.uri("models/m1/").toString(), signed.uri().toString());
      ObjectInfo info = signed.list().get(0);
      assertEquals("signed.bin", info.path());
      assertArrayEquals(data, read(signed, "signed.bin", info.version(), 0, data.length));
      OriginException missing = assertThrows(OriginException.class, () -> signed.stat("absent.bin"));
      org.junit.jupiter.api.Assertions.assertFalse(missing.getMessage().contains("s3cr3t"), missing.getMessage());
      org.junit.jupiter.api.Assertions.assertFalse(missing.uri().toString().contains("s3cr3t"));
    }
    assertThrows(OriginException.AccessDenied.class, () -> {
      try (Origin unsigned = Origins.open(server.uri("models/m1/signed.bin").toString())) {
        unsigned.list();
      }
    });
  }

  @Test
  void aQueryCredentialFromTheSettingsIsSentWithEveryRequest() throws Exception {
    byte[] data = random(3000, 8);
    store(origin, "sas.bin", data);
    String sas = "sv=2024&sig=t0ps3cret";
    server.requiredQuery = sas;
    Path creds = dir.resolve("sas.properties");
    Files.writeString(creds, "query-string=?" + sas + "\n");
    OriginSettings withSas = SMALL_PARTS.withCredentials("file:" + creds);
    try (Origin o = new HttpOrigin(server.uri("models/m1/"), withSas)) {
      ObjectInfo info = o.stat("sas.bin");
      assertArrayEquals(data, read(o, "sas.bin", info.version(), 0, data.length));
      assertEquals(List.of("sas.bin"), o.list().stream().map(ObjectInfo::path).filter(p -> p.equals("sas.bin")).toList());
    }
    org.junit.jupiter.api.Assertions.assertTrue(server.seen.stream().allMatch(t -> t.endsWith(sas)), server.seen.toString());
  }

  @Test
  void status503And429AreThrottledAndRetriedByOrigins() throws Exception {
    byte[] data = random(1000, 3);
    store(origin, "t.bin", data);
    String version = origin.stat("t.bin").version();
    server.failNext.set(1);
    assertThrows(OriginException.Throttled.class, () -> read(origin, "t.bin", version, 0, 10));
    server.failStatus = 429;
    server.failNext.set(1);
    assertThrows(OriginException.Throttled.class, () -> origin.stat("t.bin"));
    server.failStatus = 503;
    server.failNext.set(2);
    try (Origin retried = Origins.open(server.uri("models/m1/").toString())) {
      assertArrayEquals(data, read(retried, "t.bin", version, 0, data.length));
    }
    server.failStatus = 500;
    server.failNext.set(1);
    assertThrows(OriginException.Transient.class, () -> origin.stat("t.bin"));
  }

  @Test
  void aBodyCutOffIsTransientAndOriginsResumeIt() throws Exception {
    byte[] data = random(50_000, 4);
    store(origin, "c.bin", data);
    String version = origin.stat("c.bin").version();
    server.cutNext.set(1);
    assertThrows(OriginException.Transient.class, () -> read(origin, "c.bin", version, 0, data.length));
    server.cutNext.set(1);
    try (Origin retried = Origins.open(server.uri("models/m1/").toString())) {
      assertArrayEquals(data, read(retried, "c.bin", version, 0, data.length));
    }
  }
}
