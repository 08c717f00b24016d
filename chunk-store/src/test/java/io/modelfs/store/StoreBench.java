package io.modelfs.store;

import io.modelfs.core.ChunkRef;
import io.modelfs.core.Digest;
import io.modelfs.store.ChunkStore.Priority;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The chunk store benchmark behind {@code bench/chunk-store-bench.sh}; prints markdown tables.
 * System properties: dir (a directory on the disk to measure), mib (data per run, 512),
 * chunkMib (8), indexChunks (1000000), seconds (5).
 */
public final class StoreBench {
  private static final int SLICE = 1 << 20;

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(System.getProperty("dir", "/var/tmp/modelfs-store-bench"));
    int mib = Integer.getInteger("mib", 512);
    int chunkMib = Integer.getInteger("chunkMib", 8);
    int indexChunks = Integer.getInteger("indexChunks", 1_000_000);
    int seconds = Integer.getInteger("seconds", 5);
    deleteTree(dir);
    Files.createDirectories(dir);
    List<byte[]> chunks = randomChunks(mib / chunkMib, chunkMib << 20);
    long total = (long) chunks.size() * (chunkMib << 20);

    System.out.println("## write + verify: " + chunks.size() + " chunks of " + chunkMib + " MiB (" + mib + " MiB)\n");
    System.out.println("| what | s | MiB/s | vs raw SHA-256 |\n|---|---|---|---|");
    double sha = best(3, () -> rawSha(chunks));
    row("raw SHA-256 (JDK, 1 thread, same bytes in memory)", sha, total, sha);
    for (int threads : new int[] {1, 2}) {
      for (boolean fsync : new boolean[] {false, true}) {
        Path root = dir.resolve("w" + threads + fsync);
        double s = best(2, () -> {
          deleteTree(root);
          return writeAll(root, chunks, threads, fsync);
        });
        row("store ensure(), " + threads + " fetch thread(s), fsync " + (fsync ? "on" : "off"), s, total, sha);
      }
    }

    Path storeRoot = dir.resolve("w1false");
    System.out.println("\n## cold sequential read of " + mib + " MiB of stored chunks (page cache dropped before each run)\n");
    System.out.println("| what | s | MiB/s | vs plain read |\n|---|---|---|---|");
    List<Path> files = chunkFiles(storeRoot);
    double plain1 = coldPlainRead(files);
    double store1 = coldStoreRead(storeRoot, chunks);
    double plain2 = coldPlainRead(files);
    double store2 = coldStoreRead(storeRoot, chunks);
    double plain = Math.min(plain1, plain2);
    row("plain FileChannel read of the chunk files, 1 MiB buffer (best of 2)", plain, total, plain);
    row("store read(), 1 MiB buffer (best of 2)", Math.min(store1, store2), total, plain);

    System.out.println("\n## layout: one file per chunk vs one segment file, " + mib + " MiB, fsync per chunk\n");
    System.out.println("| chunk size | layout | write s | write MiB/s | cold read s | cold read MiB/s |\n|---|---|---|---|---|---|");
    for (int size : new int[] {chunkMib << 20, 256 << 10, 64 << 10}) {
      layoutRow(dir.resolve("layout"), size, mib, true);
      layoutRow(dir.resolve("layout"), size, mib, false);
    }

    System.out.println("\n## index lookups, " + indexChunks + " chunks indexed\n");
    System.out.println("| what | lookups/s |\n|---|---|");
    indexLookups(dir.resolve("index"), indexChunks, seconds);
    deleteTree(dir);
  }

  @FunctionalInterface
  private interface Timed {
    double run() throws Exception;
  }

  private static double best(int runs, Timed timed) throws Exception {
    double best = Double.MAX_VALUE;
    for (int i = 0; i < runs; i++) {
      best = Math.min(best, timed.run());
    }
    return best;
  }

  private static void row(String what, double seconds, long bytes, double baseline) {
    System.out.printf("| %s | %.2f | %.0f | %.2f× |%n", what, seconds, bytes / seconds / (1 << 20), baseline / seconds);
  }

  private static List<byte[]> randomChunks(int count, int size) {
    Random random = new Random(1);
    List<byte[]> all = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      byte[] b = new byte[size];
      random.nextBytes(b);
      all.add(b);
    }
    return all;
  }

  private static double rawSha(List<byte[]> chunks) {
    long start = System.nanoTime();
    for (byte[] c : chunks) {
      MessageDigest sha = Digest.newSha256();
      for (int at = 0; at < c.length; at += SLICE) {
        sha.update(c, at, Math.min(SLICE, c.length - at));
      }
      sha.digest();
    }
    return (System.nanoTime() - start) / 1e9;
  }

  private static double writeAll(Path root, List<byte[]> chunks, int threads, boolean fsync) throws Exception {
    List<ChunkRef> refs = new ArrayList<>();
    for (byte[] c : chunks) {
      refs.add(new ChunkRef(Digest.sha256(c), c.length));
    }
    try (ChunkStore store = FileChunkStore.open(StoreConfig.at(root).withFetchThreads(threads).withFsync(fsync)
        .withMinFreeBytes(0))) {
      long start = System.nanoTime();
      List<CompletableFuture<Void>> loads = new ArrayList<>();
      for (int i = 0; i < chunks.size(); i++) {
        byte[] data = chunks.get(i);
        loads.add(store.ensure(refs.get(i), Priority.PREFETCH, "bench", (chunk, sink) -> {
          for (int at = 0; at < data.length; at += SLICE) {
            sink.write(ByteBuffer.wrap(data, at, Math.min(SLICE, data.length - at)));
          }
        }));
      }
      for (CompletableFuture<Void> f : loads) {
        f.get(10, TimeUnit.MINUTES);
      }
      return (System.nanoTime() - start) / 1e9;
    }
  }

  private static double coldPlainRead(List<Path> files) throws Exception {
    dropCaches();
    ByteBuffer buf = ByteBuffer.allocateDirect(SLICE);
    long start = System.nanoTime();
    for (Path f : files) {
      try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
        long pos = 0;
        while (true) {
          buf.clear();
          int n = ch.read(buf, pos);
          if (n <= 0) {
            break;
          }
          pos += n;
        }
      }
    }
    return (System.nanoTime() - start) / 1e9;
  }

  private static double coldStoreRead(Path root, List<byte[]> chunks) throws Exception {
    List<Digest> digests = new ArrayList<>();
    for (byte[] c : chunks) {
      digests.add(Digest.sha256(c));
    }
    digests.sort(Comparator.comparing(Digest::hex)); // the order of the plain read (sorted paths)
    try (ChunkStore store = FileChunkStore.open(StoreConfig.at(root).withMinFreeBytes(0))) {
      dropCaches();
      ByteBuffer buf = ByteBuffer.allocateDirect(SLICE);
      long start = System.nanoTime();
      for (Digest d : digests) {
        long pos = 0;
        while (true) {
          buf.clear();
          int n = store.read(d, pos, buf);
          if (n <= 0) {
            break;
          }
          pos += n;
        }
      }
      return (System.nanoTime() - start) / 1e9;
    }
  }

  /** Writes then cold-reads mib MiB as chunk files (staged + renamed, as the store does) or appended to one segment. */
  private static void layoutRow(Path dir, int chunkSize, int mib, boolean perFile) throws Exception {
    deleteTree(dir);
    Files.createDirectories(dir);
    int count = (int) ((long) mib * (1 << 20) / chunkSize);
    byte[] data = new byte[chunkSize];
    new Random(2).nextBytes(data);
    long start = System.nanoTime();
    if (perFile) {
      for (int i = 0; i < count; i++) {
        Path staging = dir.resolve(i + ".part");
        try (FileChannel ch = FileChannel.open(staging, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
          ch.write(ByteBuffer.wrap(data));
          ch.force(true);
        }
        Path sub = dir.resolve(String.format("%02x", i & 0xff));
        Files.createDirectories(sub);
        Files.move(staging, sub.resolve(Integer.toString(i)), StandardCopyOption.ATOMIC_MOVE);
      }
    } else {
      try (FileChannel ch = FileChannel.open(dir.resolve("segment"), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
        for (int i = 0; i < count; i++) {
          ch.write(ByteBuffer.wrap(data));
          ch.force(true);
        }
      }
    }
    double write = (System.nanoTime() - start) / 1e9;
    dropCaches();
    ByteBuffer buf = ByteBuffer.allocateDirect(Math.min(chunkSize, SLICE));
    start = System.nanoTime();
    if (perFile) {
      for (int i = 0; i < count; i++) {
        try (FileChannel ch = FileChannel.open(dir.resolve(String.format("%02x", i & 0xff)).resolve(Integer.toString(i)))) {
          readFully(ch, 0, chunkSize, buf);
        }
      }
    } else {
      try (FileChannel ch = FileChannel.open(dir.resolve("segment"))) {
        for (int i = 0; i < count; i++) {
          readFully(ch, (long) i * chunkSize, chunkSize, buf);
        }
      }
    }
    double read = (System.nanoTime() - start) / 1e9;
    double m = (double) count * chunkSize / (1 << 20);
    System.out.printf("| %d KiB | %s | %.2f | %.0f | %.2f | %.0f |%n", chunkSize >> 10, perFile ? "file per chunk" : "segment",
        write, m / write, read, m / read);
  }

  private static void readFully(FileChannel ch, long from, int length, ByteBuffer buf) throws IOException {
    long pos = from;
    while (pos < from + length) {
      buf.clear();
      buf.limit((int) Math.min(buf.capacity(), from + length - pos));
      int n = ch.read(buf, pos);
      if (n <= 0) {
        break;
      }
      pos += n;
    }
  }

  private static void indexLookups(Path dir, int count, int seconds) throws Exception {
    deleteTree(dir);
    List<Digest> digests = new ArrayList<>(count);
    Random random = new Random(3);
    try (RocksChunkIndex index = RocksChunkIndex.open(dir, false)) {
      java.util.Map<Digest, ChunkIndex.Entry> batch = new java.util.HashMap<>();
      for (int i = 0; i < count; i++) {
        byte[] b = new byte[32];
        random.nextBytes(b);
        Digest d = Digest.of(b);
        digests.add(d);
        batch.put(d, new ChunkIndex.Entry(8 << 20, i));
        if (batch.size() == 10_000) {
          index.putAll(batch);
          batch.clear();
        }
      }
      index.putAll(batch);
      ChunkTable table = new ChunkTable();
      long loadStart = System.nanoTime();
      index.forEach((d, e) -> table.add(d, e.size(), e.lastAccessMillis()));
      double load = (System.nanoTime() - loadStart) / 1e9;
      for (int threads : new int[] {1, 2}) {
        double rocks = lookups(threads, seconds, digests, d -> index.get(d).isPresent());
        System.out.printf("| RocksDB get, %d thread(s), random hits | %.0f |%n", threads, rocks);
      }
      double mem = lookups(1, seconds, digests, table::contains);
      System.out.printf("| in-memory table contains() (what reads use), 1 thread | %.0f |%n", mem);
      System.out.printf("%nloading %d entries from RocksDB into the table at open: %.2f s%n", count, load);
    }
  }

  @FunctionalInterface
  private interface Lookup {
    boolean find(Digest d) throws IOException;
  }

  private static double lookups(int threads, int seconds, List<Digest> digests, Lookup lookup) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    List<Thread> workers = new ArrayList<>();
    long[] counts = new long[threads];
    for (int t = 0; t < threads; t++) {
      int me = t;
      Thread w = new Thread(() -> {
        Random r = new Random(me);
        long n = 0;
        try {
          while ((n & 1023) != 0 || System.nanoTime() < deadline) {
            if (!lookup.find(digests.get(r.nextInt(digests.size())))) {
              throw new IllegalStateException("indexed digest not found");
            }
            n++;
          }
        } catch (IOException e) {
          throw new IllegalStateException(e);
        }
        counts[me] = n;
      });
      workers.add(w);
    }
    long start = System.nanoTime();
    workers.forEach(Thread::start);
    for (Thread w : workers) {
      w.join();
    }
    double s = (System.nanoTime() - start) / 1e9;
    long total = 0;
    for (long c : counts) {
      total += c;
    }
    return total / s;
  }

  private static List<Path> chunkFiles(Path root) throws IOException {
    try (Stream<Path> walk = Files.walk(root.resolve("chunks"))) {
      return walk.filter(Files::isRegularFile).sorted(Comparator.comparing(p -> p.getFileName().toString())).toList();
    }
  }

  private static void dropCaches() throws Exception {
    new ProcessBuilder("sync").start().waitFor();
    Files.writeString(Path.of("/proc/sys/vm/drop_caches"), "3");
  }

  private static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
