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
 * chunkMib (8), indexChunks (1000000), seconds (5), sections (write,read,layout,index: which to run).
 */
public final class StoreBench {
  private static final int SLICE = 1 << 20;

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(System.getProperty("dir", "/var/tmp/modelfs-store-bench"));
    int mib = Integer.getInteger("mib", 512);
    int chunkMib = Integer.getInteger("chunkMib", 8);
    int indexChunks = Integer.getInteger("indexChunks", 1_000_000);
    int seconds = Integer.getInteger("seconds", 5);
    List<String> sections = List.of(System.getProperty("sections", "write,read,layout,index").split(","));
    deleteTree(dir);
    Files.createDirectories(dir);
    List<byte[]> chunks = randomChunks(mib / chunkMib, chunkMib << 20);
    long total = (long) chunks.size() * (chunkMib << 20);

    if (sections.contains("write") || sections.contains("read")) {
      writeSection(dir, chunks, total, chunkMib, mib);
    }
    if (sections.contains("read")) {
      readSection(dir, chunks, total, mib);
    }
    if (sections.contains("layout")) {
      layoutSection(dir, chunkMib, mib);
    }
    if (sections.contains("index")) {
      System.out.println("\n## index lookups, " + indexChunks + " chunks indexed\n");
      System.out.println("| what | lookups/s |\n|---|---|");
      indexLookups(dir.resolve("index"), indexChunks, seconds);
    }
    deleteTree(dir);
  }

  private static void writeSection(Path dir, List<byte[]> chunks, long total, int chunkMib, int mib) throws Exception {
    System.out.println("## write + verify: " + chunks.size() + " chunks of " + chunkMib + " MiB (" + mib + " MiB)\n");
    System.out.println("| what | wall s | MiB/s | wall vs raw SHA-256 | process CPU s | CPU per byte: raw SHA-256 / this |");
    System.out.println("|---|---|---|---|---|---|");
    // Baseline, serial floor and the 1-thread store alternate, so that load from other processes
    // hits them alike. CPU time is the whole process's (all threads, GC included): on a loaded
    // machine wall time depends on the scheduler's share, CPU time on the work done.
    double[] sha = {Double.MAX_VALUE, 0};
    double[] serial = {Double.MAX_VALUE, 0};
    double[] oneThread = {Double.MAX_VALUE, 0};
    for (int round = 0; round < 3; round++) {
      keepFaster(sha, timed(() -> rawSha(chunks)));
      keepFaster(serial, timed(() -> serialHashAndWrite(dir.resolve("serial"), chunks)));
      Path root = dir.resolve("w1false");
      deleteTree(root);
      keepFaster(oneThread, timed(() -> writeAll(root, chunks, 1, false)));
    }
    cpuRow("raw SHA-256 (JDK, 1 thread, same bytes in memory; best of 3)", sha, total, sha);
    cpuRow("hash then write each 1 MiB slice in one thread, no store (the serial floor; best of 3)", serial, total, sha);
    cpuRow("store ensure(), 1 fetch thread, fsync off (best of 3)", oneThread, total, sha);
    for (int threads : new int[] {1, 2}) {
      for (boolean fsync : new boolean[] {false, true}) {
        if (threads == 1 && !fsync) {
          continue;
        }
        Path root = dir.resolve("w" + threads + fsync);
        double[] best = {Double.MAX_VALUE, 0};
        for (int run = 0; run < 2; run++) {
          deleteTree(root);
          keepFaster(best, timed(() -> writeAll(root, chunks, threads, fsync)));
        }
        cpuRow("store ensure(), " + threads + " fetch thread(s), fsync " + (fsync ? "on" : "off") + " (best of 2)", best,
            total, sha);
      }
    }

  }

  private static void readSection(Path dir, List<byte[]> chunks, long total, int mib) throws Exception {
    Path storeRoot = dir.resolve("w1false");
    System.out.println("\n## cold sequential read of " + mib + " MiB of stored chunks (page cache dropped before each run)\n");
    System.out.println("| what | s | MiB/s | vs plain read |\n|---|---|---|---|");
    List<Path> files = chunkFiles(storeRoot);
    // Alternated, best of 3: single cold runs of this size vary by 2-3x on this shared machine.
    double plain = Double.MAX_VALUE;
    double store = Double.MAX_VALUE;
    for (int round = 0; round < 3; round++) {
      plain = Math.min(plain, coldPlainRead(files));
      store = Math.min(store, coldStoreRead(storeRoot, chunks));
    }
    row("plain FileChannel read of the chunk files, 1 MiB buffer (best of 3)", plain, total, plain);
    row("store read(), 1 MiB buffer (best of 3)", store, total, plain);
  }

  private static void layoutSection(Path dir, int chunkMib, int mib) throws Exception {
    System.out.println("\n## layout: one file per chunk vs one segment file, " + mib + " MiB, fsync per chunk\n");
    System.out.println("| chunk size | layout | write s | write MiB/s | cold read s | cold read MiB/s |\n|---|---|---|---|---|---|");
    for (int size : new int[] {chunkMib << 20, 256 << 10, 64 << 10}) {
      layoutRow(dir.resolve("layout"), size, mib, true);
      layoutRow(dir.resolve("layout"), size, mib, false);
    }
  }

  @FunctionalInterface
  private interface Timed {
    double run() throws Exception;
  }

  /** Runs {@code timed}; returns its wall seconds and the process's CPU seconds meanwhile. */
  private static double[] timed(Timed timed) throws Exception {
    com.sun.management.OperatingSystemMXBean os =
        (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
    long cpu0 = os.getProcessCpuTime();
    double wall = timed.run();
    return new double[] {wall, (os.getProcessCpuTime() - cpu0) / 1e9};
  }

  private static void keepFaster(double[] best, double[] run) {
    if (run[0] < best[0]) {
      best[0] = run[0];
      best[1] = run[1];
    }
  }

  private static void cpuRow(String what, double[] run, long bytes, double[] baseline) {
    System.out.printf("| %s | %.2f | %.0f | %.2f× | %.2f | %.2f× |%n", what, run[0], bytes / run[0] / (1 << 20),
        baseline[0] / run[0], run[1], baseline[1] / run[1]);
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

  /** Per chunk: a staging file, each 1 MiB slice hashed then written from the heap, close, rename. */
  private static double serialHashAndWrite(Path dir, List<byte[]> chunks) throws Exception {
    deleteTree(dir);
    Files.createDirectories(dir);
    long start = System.nanoTime();
    for (int i = 0; i < chunks.size(); i++) {
      byte[] c = chunks.get(i);
      Path staging = dir.resolve(i + ".part");
      MessageDigest sha = Digest.newSha256();
      try (FileChannel ch = FileChannel.open(staging, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
        for (int at = 0; at < c.length; at += SLICE) {
          int n = Math.min(SLICE, c.length - at);
          sha.update(c, at, n);
          ByteBuffer slice = ByteBuffer.wrap(c, at, n);
          while (slice.hasRemaining()) {
            ch.write(slice);
          }
        }
      }
      sha.digest();
      Files.move(staging, dir.resolve(Integer.toString(i)), StandardCopyOption.ATOMIC_MOVE);
    }
    double s = (System.nanoTime() - start) / 1e9;
    deleteTree(dir);
    return s;
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
    RocksChunkIndex writing = RocksChunkIndex.open(dir, false);
    try {
      java.util.Map<Digest, ChunkIndex.Entry> batch = new java.util.HashMap<>();
      for (int i = 0; i < count; i++) {
        byte[] b = new byte[32];
        random.nextBytes(b);
        Digest d = Digest.of(b);
        digests.add(d);
        batch.put(d, ChunkIndex.Entry.published(d, 8 << 20, i));
        if (batch.size() == 10_000) {
          writing.putAll(batch);
          batch.clear();
        }
      }
      writing.putAll(batch);
    } finally {
      writing.close();
    }
    // Before: what an open did with the index until format 1 (byte[] iterator, default read
    // options, every entry into a map, then into an unsized table). Now: forEach (direct buffers,
    // 2 MiB readahead, fill cache off) straight into a table sized from RocksDB's estimate.
    // Alternated, best of 2; wall, CPU of the loading thread, and GC pause time, each in the same run.
    double[] before = {Double.MAX_VALUE, 0, 0};
    double[] now = {Double.MAX_VALUE, 0, 0};
    for (int run = 0; run < 2; run++) {
      keepBest(before, timedLoad(() -> plainScan(dir)));
      keepBest(now, timedLoad(() -> {
        try (RocksChunkIndex again = RocksChunkIndex.open(dir, false)) {
          ChunkTable table = new ChunkTable(true, again.estimatedEntries());
          again.forEach((d, e) -> table.add(d, e.size(), e.lastAccessMillis()));
          return table.count();
        }
      }));
    }
    ChunkTable table = new ChunkTable(true);
    try (RocksChunkIndex index = RocksChunkIndex.open(dir, false)) {
      index.forEach((d, e) -> table.add(d, e.size(), e.lastAccessMillis()));
      for (int threads : new int[] {1, 2}) {
        double rocks = lookups(threads, seconds, digests, d -> index.get(d).isPresent());
        System.out.printf("| RocksDB get, %d thread(s), random hits | %.0f |%n", threads, rocks);
      }
      double mem = lookups(1, seconds, digests, table::contains);
      System.out.printf("| in-memory table contains() (what reads use), 1 thread | %.0f |%n", mem);
    }
    System.out.printf("%n## loading %d index entries into the in-memory table (what an open does before it walks the files), best of 2%n%n",
        count);
    System.out.println("| how | wall s | CPU s (loading thread) | GC pauses s | wall vs before |\n|---|---|---|---|---|");
    System.out.printf("| before: byte[] iterator, default read options, all entries into a map, then an unsized table | %.2f | %.2f | %.2f | 1.00× |%n",
        before[0], before[1], before[2]);
    System.out.printf("| now: forEach (direct buffers, 2 MiB readahead, fill cache off) into a presized table | %.2f | %.2f | %.2f | %.2f× |%n",
        now[0], now[1], now[2], before[0] / now[0]);
  }

  @FunctionalInterface
  private interface Load {
    long run() throws Exception;
  }

  /** Runs a load after a GC; returns wall seconds, CPU seconds of this thread, GC pause seconds. */
  private static double[] timedLoad(Load load) throws Exception {
    System.gc();
    java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
    long gc0 = gcMillis();
    long cpu0 = threads.getCurrentThreadCpuTime();
    long start = System.nanoTime();
    long loaded = load.run();
    double wall = (System.nanoTime() - start) / 1e9;
    if (loaded == 0) {
      throw new IllegalStateException("nothing loaded");
    }
    return new double[] {wall, (threads.getCurrentThreadCpuTime() - cpu0) / 1e9, (gcMillis() - gc0) / 1e3};
  }

  private static long gcMillis() {
    long total = 0;
    for (java.lang.management.GarbageCollectorMXBean gc : java.lang.management.ManagementFactory.getGarbageCollectorMXBeans()) {
      total += Math.max(0, gc.getCollectionTime());
    }
    return total;
  }

  private static void keepBest(double[] best, double[] run) {
    if (run[0] < best[0]) {
      System.arraycopy(run, 0, best, 0, 3);
    }
  }

  /** The index load as an open did it before format 1: arrays per key and value, a map of all entries, an unsized table. */
  private static long plainScan(Path dir) throws Exception {
    List<org.rocksdb.ColumnFamilyDescriptor> families = List.of(
        new org.rocksdb.ColumnFamilyDescriptor(org.rocksdb.RocksDB.DEFAULT_COLUMN_FAMILY),
        new org.rocksdb.ColumnFamilyDescriptor("pins".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    List<org.rocksdb.ColumnFamilyHandle> handles = new ArrayList<>();
    try (org.rocksdb.DBOptions options = new org.rocksdb.DBOptions();
        org.rocksdb.RocksDB db = org.rocksdb.RocksDB.open(options, dir.toString(), families, handles)) {
      java.util.Map<Digest, long[]> entries = new java.util.HashMap<>();
      try (org.rocksdb.RocksIterator it = db.newIterator(handles.get(0))) {
        for (it.seekToFirst(); it.isValid(); it.next()) {
          ByteBuffer v = ByteBuffer.wrap(it.value());
          v.get();
          v.get();
          entries.put(Digest.of(it.key()), new long[] {v.getLong(), v.getLong()});
        }
      }
      ChunkTable table = new ChunkTable(true);
      entries.forEach((d, e) -> table.add(d, e[0], e[1]));
      handles.forEach(org.rocksdb.ColumnFamilyHandle::close);
      return table.count();
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
