package io.modelfs.p2p;

import io.modelfs.core.ChunkRef;
import io.modelfs.core.Digest;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SocketChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Benchmark (not a test): one swarm endpoint serving SIZE bytes of 8 MiB chunks to another over
 * loopback, the receiver hashing (SHA-256) and discarding, against a plain Java socket pair doing
 * the same (sender transferTo, receiver read + SHA-256), in the same JVM and run. Prints a
 * Markdown table with MB/s, the ratio and CPU seconds per GB (CPU time of the whole process
 * during the transfer, both ends together, so it includes the kernel's loopback work). Both
 * sides send the same chunk files with sendfile and hash every received byte once with SHA-256;
 * both are warmed up unmeasured first, and the order alternates per round. Optional fourth
 * argument {@code plain} or {@code swarm} runs one side only (for a profiler). Run by
 * bench/p2p-transfer.sh.
 */
public final class TransferBench {
  private static final int CHUNK = 8 << 20;

  public static void main(String[] args) throws Exception {
    long size = Long.parseLong(args.length > 0 ? args[0] : String.valueOf(1L << 30));
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
    int parallel = args.length > 2 ? Integer.parseInt(args[2]) : 4;
    String only = args.length > 3 ? args[3] : "both"; // "plain" or "swarm" runs one side alone (profiling)
    Path dir = Files.createTempDirectory("p2p-bench");
    try {
      List<Path> chunks = makeChunks(dir, size);
      System.out.println("| run | transfer | MB/s | CPU s per GB | JIT s | vs plain socket |");
      System.out.println("|---|---|---|---|---|---|");
      // Unmeasured warm-up of both paths (JIT), as a long-running agent would be.
      List<Path> few = chunks.subList(0, Math.min(chunks.size(), 16));
      plainSocket(few);
      swarm(dir, few, parallel);
      for (int r = 1; r <= rounds; r++) {
        // Alternate which goes first, so neither always finds the page cache and CPU caches warmer.
        boolean plainFirst = r % 2 == 1;
        double[] plain = null;
        double[] swarm = null;
        for (int side = 0; side < 2; side++) {
          if ((side == 0) == plainFirst) {
            plain = only.equals("swarm") ? new double[] {1, 1, 0} : measure(() -> plainSocket(chunks));
          } else {
            swarm = only.equals("plain") ? new double[] {1, 1, 0} : measure(() -> swarm(dir, chunks, parallel));
          }
        }
        System.out.printf("| %d | plain Java socket (transferTo → read + SHA-256) | %.0f | %.2f | %.2f | 1.00 |%n", r,
            mbps(size, plain), cpuPerGb(size, plain), plain[2]);
        System.out.printf("| %d | modelfs peers (FileRegion → store-like sink + SHA-256, %d outstanding) | %.0f | %.2f | %.2f | %.2f |%n",
            r, parallel, mbps(size, swarm), cpuPerGb(size, swarm), swarm[2], mbps(size, swarm) / mbps(size, plain));
      }
    } finally {
      try (var s = Files.list(dir)) {
        for (Path p : s.toList()) {
          Files.delete(p);
        }
      }
      Files.delete(dir);
    }
    System.exit(0);
  }

  interface Run {
    void run() throws Exception;
  }

  /** {wall seconds, process CPU seconds, JIT compiler seconds (wall time of compilations)}. */
  private static double[] measure(Run run) throws Exception {
    var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    var jit = ManagementFactory.getCompilationMXBean();
    long cpu0 = os.getProcessCpuTime();
    long jit0 = jit.getTotalCompilationTime();
    long t0 = System.nanoTime();
    run.run();
    return new double[] {(System.nanoTime() - t0) / 1e9, (os.getProcessCpuTime() - cpu0) / 1e9,
        (jit.getTotalCompilationTime() - jit0) / 1e3};
  }

  private static double mbps(long size, double[] m) {
    return size / 1e6 / m[0];
  }

  private static double cpuPerGb(long size, double[] m) {
    return m[1] / (size / 1e9);
  }

  private static List<Path> makeChunks(Path dir, long size) throws IOException {
    List<Path> out = new ArrayList<>();
    Random r = new Random(1);
    byte[] b = new byte[CHUNK];
    for (long done = 0; done < size; done += CHUNK) {
      r.nextBytes(b);
      Path p = dir.resolve(Digest.sha256(b).hex());
      Files.write(p, b);
      out.add(p);
    }
    return out;
  }

  private static void plainSocket(List<Path> chunks) throws Exception {
    try (ServerSocket server = new ServerSocket(0)) {
      Thread sender = new Thread(() -> {
        try (SocketChannel ch = SocketChannel.open(new InetSocketAddress("127.0.0.1", server.getLocalPort()))) {
          for (Path p : chunks) {
            try (FileChannel fc = FileChannel.open(p, StandardOpenOption.READ)) {
              long pos = 0;
              while (pos < fc.size()) {
                pos += fc.transferTo(pos, fc.size() - pos, ch);
              }
            }
          }
        } catch (IOException e) {
          throw new RuntimeException(e);
        }
      });
      sender.start();
      try (Socket s = server.accept(); InputStream in = s.getInputStream()) {
        MessageDigest sha = Digest.newSha256();
        byte[] buf = new byte[1 << 20];
        int n;
        while ((n = in.read(buf)) != -1) {
          sha.update(buf, 0, n);
        }
      }
      sender.join();
    }
  }

  private static void swarm(Path dir, List<Path> chunks, int parallel) throws Exception {
    SwarmKey key = SwarmKey.of("bench-bench-bench-bench-bench-be".getBytes());
    Map<Digest, Path> files = new HashMap<>();
    for (Path p : chunks) {
      files.put(Digest.parse(p.getFileName().toString()), p);
    }
    try (Swarm a = Swarm.start(PeerConfig.of("a", new InetSocketAddress("127.0.0.1", 0), key),
            d -> Optional.ofNullable(files.get(d)));
        Swarm b = Swarm.start(PeerConfig.of("b", new InetSocketAddress("127.0.0.1", 0), key), d -> Optional.empty())) {
      b.connect(a.address()).get();
      ExecutorService pool = Executors.newFixedThreadPool(parallel);
      AtomicInteger next = new AtomicInteger();
      List<Future<?>> fs = new ArrayList<>();
      for (int t = 0; t < parallel; t++) {
        fs.add(pool.submit(() -> {
          for (int i = next.getAndIncrement(); i < chunks.size(); i = next.getAndIncrement()) {
            Path p = chunks.get(i);
            ChunkRef ref = new ChunkRef(Digest.parse(p.getFileName().toString()), CHUNK);
            HashingSink sink = new HashingSink();
            b.fetch("a", ref, 0, CHUNK, sink);
            if (!sink.digest().equals(ref.digest())) {
              throw new IllegalStateException("chunk " + i + " arrived corrupt");
            }
          }
          return null;
        }));
      }
      for (Future<?> f : fs) {
        f.get();
      }
      pool.shutdown();
    }
  }

  /** Hashes and discards, like the store's verifying sink minus the file write. */
  private static final class HashingSink implements WritableByteChannel {
    private final MessageDigest sha = Digest.newSha256();

    @Override
    public int write(ByteBuffer src) {
      int n = src.remaining();
      sha.update(src);
      return n;
    }

    Digest digest() {
      return Digest.finish(sha);
    }

    @Override
    public boolean isOpen() {
      return true;
    }

    @Override
    public void close() {}
  }
}
