import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What this machine's CPU can take in per second, all cores together, the way an agent takes in
 * a chunk: SHA-256 over the bytes and a write into a store file (page cache, no fsync), in
 * 256 KiB pieces, on one thread per core, for a few seconds (after one second of warm-up) at
 * whatever load the machine has now. bench/sim-validate.sh feeds it to the simulator as {@code host.cpu}: the validation
 * swarm's 8 agents share this one machine. Prints bytes per second on stdout.
 *
 * <p>Usage: {@code java bench/HostRate.java [seconds] [threads]} (defaults 4 s, all cores).
 */
public final class HostRate {
  public static void main(String[] args) throws Exception {
    double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 4;
    int threads = args.length > 1 ? Integer.parseInt(args[1]) : Runtime.getRuntime().availableProcessors();
    Path dir = Files.createTempDirectory("hostrate");
    AtomicLong bytes = new AtomicLong();
    long from = System.nanoTime() + 1_000_000_000L; // one second of warm-up (the JIT's SHA-256 intrinsic) not counted
    long end = from + (long) (seconds * 1e9);
    List<Thread> workers = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      Path file = dir.resolve("store-" + t);
      Thread w = new Thread(() -> {
        try {
          work(file, from, end, bytes);
        } catch (Exception e) {
          throw new IllegalStateException("host rate worker on " + file + " failed", e);
        }
      });
      workers.add(w);
      w.start();
    }
    for (Thread w : workers) {
      w.join();
    }
    double rate = bytes.get() / ((System.nanoTime() - from) / 1e9);
    try (var files = Files.list(dir)) {
      for (Path p : files.toList()) {
        Files.deleteIfExists(p);
      }
    }
    Files.deleteIfExists(dir);
    System.out.printf(java.util.Locale.ROOT, "%.0f%n", rate);
  }

  private static void work(Path file, long from, long end, AtomicLong total) throws IOException, java.security.NoSuchAlgorithmException {
    ByteBuffer piece = ByteBuffer.allocateDirect(256 << 10);
    byte[] heap = new byte[256 << 10];
    new java.util.Random(file.hashCode()).nextBytes(heap);
    MessageDigest sha = MessageDigest.getInstance("SHA-256");
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.READ)) {
      long written = 0;
      while (System.nanoTime() < end) {
        sha.update(heap);
        piece.clear();
        piece.put(heap).flip();
        while (piece.hasRemaining()) {
          written += ch.write(piece, written);
        }
        if (System.nanoTime() >= from) {
          total.addAndGet(heap.length);
        }
        if (written >= (8L << 20)) { // one 8 MiB chunk stored: start the next one over it
          sha.digest();
          written = 0;
        }
      }
    }
  }
}
