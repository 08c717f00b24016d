package io.modelfs.origin;

import java.lang.management.ManagementFactory;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.security.MessageDigest;
import java.util.Locale;

/**
 * Benchmark tooling (not part of the product): the CPU a fresh JVM spends reading one object from a
 * running S3 endpoint through {@link S3Origin}, one request per chunk as the agent makes them, pass
 * after pass — so the first pass shows what a cold agent pays (class loading, interpreter, JIT)
 * and the later ones the steady state. The server runs in another process (e.g. {@link
 * S3ProxyServer}), so the process CPU here is the client's alone.
 *
 * <p>Arguments: {@code ENDPOINT BUCKET KEY SIZE CHUNK PASSES [sink]}; sink {@code discard}
 * (default), {@code copy} (into a direct buffer, as the store's staging writer does) or {@code
 * sha} (SHA-256 of every chunk, as the store verifies). Prints one line per pass.
 */
public final class S3ClientCpuBench {
  public static void main(String[] args) throws Exception {
    URI endpoint = URI.create(args[0]);
    String bucket = args[1];
    String key = args[2];
    long size = io.modelfs.core.ByteSize.parse(args[3]);
    int chunk = (int) io.modelfs.core.ByteSize.parse(args[4]);
    int passes = Integer.parseInt(args[5]);
    String mode = args.length > 6 ? args[6] : "discard";
    OriginSettings s = OriginSettings.defaults().withEndpoint(endpoint).withCredentials("anonymous")
        .withChecksumsWhenRequired(true);
    var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    long c00 = os.getProcessCpuTime();
    try (Origin origin = Origins.open("s3://" + bucket + "/", OriginConfig.of(s, "s3://" + bucket + "/", s))) {
      String version = origin.stat(key).version();
      System.out.printf(Locale.ROOT, "set-up + stat: %.2f CPU s%n", (os.getProcessCpuTime() - c00) / 1e9);
      long c01 = os.getProcessCpuTime();
      long t01 = System.nanoTime();
      try (Origin other = Origins.open("s3://" + bucket + "/other/", OriginConfig.of(s, "s3://", s))) {
        System.out.printf(Locale.ROOT, "a second origin (another prefix, a new client): %.0f ms, %.2f CPU s%n",
            (System.nanoTime() - t01) / 1e6, (os.getProcessCpuTime() - c01) / 1e9);
      }
      ByteBuffer staging = ByteBuffer.allocateDirect(256 << 10);
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      WritableByteChannel sink = new WritableByteChannel() {
        @Override
        public int write(ByteBuffer src) {
          int n = src.remaining();
          switch (mode) {
            case "copy" -> {
              while (src.hasRemaining()) {
                staging.clear();
                int take = Math.min(staging.remaining(), src.remaining());
                staging.put(staging.position(), src, src.position(), take);
                src.position(src.position() + take);
              }
            }
            case "sha" -> sha.update(src);
            default -> src.position(src.limit());
          }
          return n;
        }

        @Override
        public boolean isOpen() {
          return true;
        }

        @Override
        public void close() {}
      };
      for (int p = 1; p <= passes; p++) {
        long c0 = os.getProcessCpuTime();
        long t0 = System.nanoTime();
        for (long off = 0; off < size; off += chunk) {
          origin.read(key, version, off, Math.min(chunk, size - off), sink);
          if (mode.equals("sha")) {
            sha.digest();
          }
        }
        double wall = (System.nanoTime() - t0) / 1e9;
        double cpu = (os.getProcessCpuTime() - c0) / 1e9;
        System.out.printf(Locale.ROOT, "pass %d: %.2f s, %.0f MB/s, %.2f CPU s (%.2f CPU s per GB)%n", p, wall,
            size / wall / 1e6, cpu, cpu / (size / 1e9));
      }
    }
    System.exit(0);
  }
}
