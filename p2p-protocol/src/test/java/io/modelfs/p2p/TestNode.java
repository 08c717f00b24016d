package io.modelfs.p2p;

import io.modelfs.core.ChunkRef;
import io.modelfs.core.Digest;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.UnaryOperator;

/** A swarm endpoint on loopback with chunk files in a directory (test fixture). */
final class TestNode implements AutoCloseable {
  static final SwarmKey KEY = SwarmKey.of("0123456789abcdef0123456789abcdef".getBytes());
  static final Digest MODEL = Digest.sha256("model".getBytes());

  final Path dir;
  final Map<Digest, Path> files = new ConcurrentHashMap<>();
  final Swarm swarm;

  TestNode(String id, Path dir, UnaryOperator<PeerConfig> tweak) throws IOException {
    this(id, dir, tweak, null);
  }

  TestNode(String id, Path dir, UnaryOperator<PeerConfig> tweak, ChunkSource source) throws IOException {
    this.dir = Files.createDirectories(dir);
    PeerConfig c = tweak.apply(PeerConfig.of(id, new InetSocketAddress("127.0.0.1", 0), KEY));
    this.swarm = Swarm.start(c, source != null ? source : d -> Optional.ofNullable(files.get(d)));
  }

  /** Random chunks of {@code size} bytes, seeded, as refs (the bytes are in {@link #bytes}). */
  static List<byte[]> randomChunks(int n, int size, long seed) {
    Random r = new Random(seed);
    List<byte[]> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      byte[] b = new byte[size];
      r.nextBytes(b);
      out.add(b);
    }
    return out;
  }

  static ChunkRef ref(byte[] bytes) {
    return new ChunkRef(Digest.sha256(bytes), bytes.length);
  }

  /** Stores the chunks and announces them as chunks 0..n-1 of {@link #MODEL}. */
  void hold(List<byte[]> chunks) throws IOException {
    BitSet held = new BitSet();
    for (int i = 0; i < chunks.size(); i++) {
      Digest d = Digest.sha256(chunks.get(i));
      Path p = dir.resolve(d.hex());
      Files.write(p, chunks.get(i));
      files.put(d, p);
      held.set(i);
    }
    swarm.holdings(MODEL, chunks.size(), held);
  }

  String connect(TestNode other) throws Exception {
    return swarm.connect(other.swarm.address()).get(5, java.util.concurrent.TimeUnit.SECONDS);
  }

  @Override
  public void close() {
    swarm.close();
  }
}
