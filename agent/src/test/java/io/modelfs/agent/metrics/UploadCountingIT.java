package io.modelfs.agent.metrics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.modelfs.core.ChunkRef;
import io.modelfs.core.Digest;
import io.modelfs.p2p.PeerConfig;
import io.modelfs.p2p.Swarm;
import io.modelfs.p2p.SwarmKey;
import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Uploads counted at the source, over real sockets: a swarm endpoint whose upload listener is
 * the agent's metrics (as the agent wires it) serves whole chunks and a range to a second
 * endpoint; {@code modelfs_uploaded_bytes_total} and {@code modelfs_uploaded_chunks_total} and the
 * status' traffic count exactly what was sent.
 */
class UploadCountingIT {
  @TempDir Path tmp;
  private final List<AutoCloseable> open = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    for (int i = open.size() - 1; i >= 0; i--) {
      open.get(i).close();
    }
  }

  @Test
  void everyUploadToAPeerIsCountedInBytesAndChunks() throws Exception {
    Random random = new Random(4);
    Map<Digest, Path> files = new HashMap<>();
    List<byte[]> chunks = new ArrayList<>();
    for (int size : new int[] {300_000, 70_000, 1}) {
      byte[] b = new byte[size];
      random.nextBytes(b);
      Digest d = Digest.sha256(b);
      files.put(d, Files.write(tmp.resolve(d.hex()), b));
      chunks.add(b);
    }
    SwarmKey key = SwarmKey.read(Files.writeString(tmp.resolve("swarm.key"), "test-swarm-secret-0123456789abcdef\n"));
    AgentMetrics metrics = AgentMetrics.manual(Clock.systemUTC());
    open.add(metrics);
    Swarm a = Swarm.start(PeerConfig.of("a", new InetSocketAddress("127.0.0.1", 0), key),
        d -> Optional.ofNullable(files.get(d)));
    open.add(a);
    a.onUpload((peer, bytes) -> metrics.uploaded(bytes));
    Swarm b = Swarm.start(PeerConfig.of("b", new InetSocketAddress("127.0.0.1", 0), key), d -> Optional.empty());
    open.add(b);
    assertEquals("a", b.connect(a.address()).get(10, TimeUnit.SECONDS));

    long sent = 0;
    for (byte[] c : chunks) {
      assertArrayEquals(c, fetch(b, new ChunkRef(Digest.sha256(c), c.length), 0, c.length));
      sent += c.length;
    }
    byte[] first = chunks.get(0);
    byte[] range = fetch(b, new ChunkRef(Digest.sha256(first), first.length), 1000, 5000);
    assertArrayEquals(java.util.Arrays.copyOfRange(first, 1000, 6000), range);
    sent += 5000;

    // The listener runs when the last byte was written, which may be just after the reader has it.
    for (int i = 0; i < 100 && metrics.traffic().getUploadedChunks() < 4; i++) {
      Thread.sleep(20);
    }
    assertEquals(4, metrics.traffic().getUploadedChunks());
    assertEquals(sent, metrics.traffic().getUploadedBytes());
    String scrape = metrics.scrape();
    assertEquals(sent, sample(scrape, "modelfs_uploaded_bytes_total"));
    assertEquals(4, sample(scrape, "modelfs_uploaded_chunks_total"));
  }

  private static byte[] fetch(Swarm swarm, ChunkRef chunk, long offset, int length) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (WritableByteChannel sink = Channels.newChannel(out)) {
      swarm.fetch("a", chunk, offset, length, sink);
    }
    return out.toByteArray();
  }

  private static double sample(String text, String series) {
    for (String line : text.split("\n")) {
      if (line.startsWith(series + " ")) {
        return Double.parseDouble(line.substring(series.length() + 1).trim());
      }
    }
    throw new AssertionError("no sample " + series + " in:\n" + text);
  }
}
