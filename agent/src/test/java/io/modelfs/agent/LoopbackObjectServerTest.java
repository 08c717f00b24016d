package io.modelfs.agent;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class LoopbackObjectServerTest {
  private final byte[] object = new byte[300_000];
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(10)).build();

  LoopbackObjectServerTest() {
    new Random(5).nextBytes(object);
  }

  @Test
  void servesRangesOfTheObjectWithItsETagOnOneConnection() throws Exception {
    try (LoopbackObjectServer server = LoopbackObjectServer.start(object)) {
      URI uri = server.endpoint().resolve("/bucket/key");
      for (int from : new int[] {0, 1234, 299_000}) {
        int to = Math.min(object.length - 1, from + 65_535);
        HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(uri).header("Range", "bytes=" + from + "-" + to)
            .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(206, r.statusCode());
        assertEquals(LoopbackObjectServer.ETAG, r.headers().firstValue("ETag").orElseThrow());
        assertEquals("bytes " + from + "-" + to + "/" + object.length, r.headers().firstValue("Content-Range").orElseThrow());
        assertArrayEquals(Arrays.copyOfRange(object, from, to + 1), r.body());
      }
    }
  }

  @Test
  void answersHeadWithTheSizeAndARangeBeyondTheEndWith416() throws Exception {
    try (LoopbackObjectServer server = LoopbackObjectServer.start(object)) {
      URI uri = server.endpoint().resolve("/bucket/key");
      HttpResponse<Void> head = http.send(HttpRequest.newBuilder(uri).method("HEAD", HttpRequest.BodyPublishers.noBody())
          .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.discarding());
      assertEquals(200, head.statusCode());
      assertEquals(String.valueOf(object.length), head.headers().firstValue("Content-Length").orElseThrow());

      HttpResponse<byte[]> beyond = http.send(HttpRequest.newBuilder(uri).header("Range", "bytes=0-" + object.length)
          .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofByteArray());
      assertEquals(416, beyond.statusCode());
    }
  }
}
