package io.modelfs.origin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.StringReader;
import java.net.URI;
import java.time.Duration;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class OriginConfigTest {
  static OriginConfig parse(String text) throws Exception {
    Properties p = new Properties();
    p.load(new StringReader(text));
    return OriginConfig.parse(p, "test.properties");
  }

  @Test
  void theLongestMatchingPrefixWinsAndOthersGetTheDefaults() throws Exception {
    OriginConfig c = parse("""
        default.concurrency = 4
        origin.all.prefix = s3://models/
        origin.all.region = eu-west-1
        origin.minio.prefix = s3://models/private/
        origin.minio.endpoint = http://10.0.0.5:9000
        origin.minio.credentials = file:/etc/modelfs/minio.properties
        origin.minio.rate-cap = 200MiB
        origin.minio.checksums = when-required
        origin.minio.retry-time = 30s
        """);
    OriginSettings priv = c.settingsFor("s3://models/private/llama/");
    assertEquals(URI.create("http://10.0.0.5:9000"), priv.endpoint());
    assertNull(priv.region(), "a block inherits the defaults, not a shorter prefix's block");
    assertEquals(200L << 20, priv.rateCap());
    assertTrue(priv.checksumsWhenRequired());
    assertEquals(Duration.ofSeconds(30), priv.retryTime());
    assertEquals(4, priv.concurrency());
    assertEquals("eu-west-1", c.settingsFor("s3://models/public/").region());
    OriginSettings other = c.settingsFor("gs://elsewhere/");
    assertNull(other.endpoint());
    assertEquals("default", other.credentials());
    assertEquals(4, other.concurrency());
  }

  @Test
  void badKeysAndValuesAreErrorsNamingFileKeyAndValue() {
    var e = assertThrows(IllegalArgumentException.class, () -> parse("origin.x.prefix = s3://b/\norigin.x.regon = a"));
    assertTrue(e.getMessage().contains("test.properties") && e.getMessage().contains("regon"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> parse("default.part-size = lots"));
    assertTrue(e.getMessage().contains("lots"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> parse("origin.x.endpoint = http://h:1"));
    assertTrue(e.getMessage().contains("origin.x.prefix"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> parse("origin.x.prefix = s3://b/\norigin.x.credentials = AKIAXXXX"));
    assertTrue(e.getMessage().contains("credentials must be"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> parse("default.concurrency = 0"));
  }
}
