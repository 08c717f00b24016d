package io.modelfs.origin;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStore;
import org.jclouds.blobstore.BlobStoreContext;

/**
 * Benchmark (run by {@code bench/s3-origin-read.sh}): one object (default 1 GiB) in s3proxy over
 * jclouds' filesystem store on loopback; reads it whole through {@link S3Origin} into one
 * preallocated buffer, for several part sizes and concurrencies, against {@code curl -o
 * /dev/null} of the same object in the same run. Prints a Markdown table.
 *
 * <p>Arguments: {@code [SIZE] [ROUNDS] [PER_CONNECTION_MBPS]}. With a per-connection rate
 * (MB/s), a second table reads the same object through {@link ThrottlingProxy}, which caps every
 * connection at that rate the way a cloud object store does: there parallel ranges must win.
 */
public final class S3ReadBench {
  public static void main(String[] args) throws Exception {
    long size = args.length > 0 ? io.modelfs.core.ByteSize.parse(args[0]) : 1L << 30;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
    long perConnection = args.length > 2 ? (long) (Double.parseDouble(args[2]) * 1_000_000) : 0;
    Path dir = Files.createTempDirectory("modelfs-s3bench");
    Path blobs = Files.createDirectories(dir.resolve("blobs/bench"));
    try (RandomAccessFile f = new RandomAccessFile(blobs.resolve("weights.bin").toFile(), "rw")) {
      byte[] block = new byte[8 << 20];
      new Random(1).nextBytes(block);
      for (long written = 0; written < size; written += block.length) {
        f.write(block, 0, (int) Math.min(block.length, size - written));
      }
    }
    java.util.Properties p = new java.util.Properties();
    p.setProperty("jclouds.filesystem.basedir", dir.resolve("blobs").toString());
    BlobStoreContext ctx = ContextBuilder.newBuilder("filesystem").overrides(p).build(BlobStoreContext.class);
    S3Proxy proxy = S3Proxy.builder().blobStore(ctx.getBlobStore()).endpoint(URI.create("http://127.0.0.1:0"))
        .awsAuthentication(AuthenticationType.NONE, null, null).build();
    proxy.start();
    for (int i = 0; i < 200 && !proxy.getState().equals("STARTED"); i++) {
      Thread.sleep(25);
    }
    URI endpoint = URI.create("http://127.0.0.1:" + proxy.getPort());
    BlobStore store = ctx.getBlobStore();
    System.err.println("object: " + store.blobMetadata("bench", "weights.bin").getSize() + " bytes at " + endpoint);
    System.out.println("### loopback, no network limits");
    read(endpoint, size, rounds);
    if (perConnection > 0) {
      try (ThrottlingProxy capped = new ThrottlingProxy(new InetSocketAddress("127.0.0.1", proxy.getPort()), perConnection)) {
        System.out.println("### every connection capped at " + perConnection / 1_000_000 + " MB/s (as a cloud store caps one)");
        read(URI.create("http://127.0.0.1:" + capped.port()), size, rounds);
      }
    }
    System.out.println("JVM peak RSS: " + peakRssMiB() + " MiB (includes s3proxy and the destination buffer)");
    proxy.stop();
    ctx.close();
    try (var w = Files.walk(dir)) {
      w.sorted(java.util.Comparator.reverseOrder()).forEach(x -> x.toFile().delete());
    }
    System.exit(0);
  }

  static void read(URI endpoint, long size, int rounds) throws Exception {
    ByteBuffer memory = ByteBuffer.allocateDirect((int) Math.min(size, Integer.MAX_VALUE - 8));
    List<String> rows = new ArrayList<>();
    double curl = median(rounds, () -> curl(endpoint + "/bench/weights.bin"));
    rows.add(row("curl -o /dev/null (1 stream)", size, curl, curl));
    long[][] configs = {{8, 1}, {8, 4}, {8, 8}, {8, 16}, {16, 8}, {16, 16}, {32, 8}};
    for (long[] c : configs) {
      OriginSettings s = OriginSettings.defaults().withEndpoint(endpoint).withCredentials("anonymous")
          .withChecksumsWhenRequired(true).withParts(c[0] << 20, (int) c[1]);
      try (Origin origin = Origins.wrap(S3Origin.open(URI.create("s3://bench/"), s), s)) {
        String version = origin.stat("weights.bin").version();
        double secs = median(rounds, () -> {
          memory.clear();
          long t = System.nanoTime();
          origin.read("weights.bin", version, 0, size, new Into(memory));
          if (memory.position() != size) {
            throw new IOException("read " + memory.position() + " of " + size);
          }
          return (System.nanoTime() - t) / 1e9;
        });
        rows.add(row("S3Origin, " + c[0] + " MiB parts × " + c[1], size, secs, curl));
      }
    }
    System.out.println("| reader | median s | MiB/s | vs curl |");
    System.out.println("|---|---|---|---|");
    rows.forEach(System.out::println);
    System.out.println();
    System.out.println("reader JVM peak RSS so far: " + peakRssMiB() + " MiB (" + (memory.capacity() >> 20)
        + " MiB of it the destination buffer)");
  }

  interface Timed {
    double run() throws Exception;
  }

  static double median(int rounds, Timed t) throws Exception {
    t.run(); // warm-up (JIT, connection pool, page cache)
    double[] v = new double[rounds];
    for (int i = 0; i < rounds; i++) {
      v[i] = t.run();
    }
    java.util.Arrays.sort(v);
    return v[rounds / 2];
  }

  static double curl(String url) throws Exception {
    long t = System.nanoTime();
    Process p = new ProcessBuilder("curl", "-sSf", "-o", "/dev/null", url).inheritIO().start();
    if (p.waitFor() != 0) {
      throw new IOException("curl failed: " + p.exitValue());
    }
    return (System.nanoTime() - t) / 1e9;
  }

  static String row(String what, long size, double secs, double curl) {
    return String.format(Locale.ROOT, "| %s | %.2f | %.0f | %.2f× |", what, secs, size / secs / (1 << 20), curl / secs);
  }

  static long peakRssMiB() throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith("VmHWM:")) {
        return Long.parseLong(line.replaceAll("\\D", "")) / 1024;
      }
    }
    return -1;
  }

  /** Copies into the destination buffer, as a loader filling memory would. */
  static final class Into implements WritableByteChannel {
    private final ByteBuffer dst;

    Into(ByteBuffer dst) {
      this.dst = dst;
    }

    @Override
    public int write(ByteBuffer src) {
      int n = src.remaining();
      dst.put(src);
      return n;
    }

    @Override
    public boolean isOpen() {
      return true;
    }

    @Override
    public void close() {}
  }
}
