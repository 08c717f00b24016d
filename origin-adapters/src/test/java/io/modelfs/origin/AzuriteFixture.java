package io.modelfs.origin;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Azurite's blob service (npm {@code azurite}, installed by {@code bin/deps} into
 * {@code .tools/node_modules}) as a child process on a free loopback port, with its data in a
 * temporary folder; stopped (and its process tree killed) on close.
 */
final class AzuriteFixture implements AutoCloseable {
  /** Azurite's well-known development account; not a secret. */
  static final String ACCOUNT = "devstoreaccount1";
  static final String KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

  private final Process process;
  private final int port;

  AzuriteFixture(Path data) throws Exception {
    Path bin = find();
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    process = new ProcessBuilder(List.of(bin.toString(), "--blobHost", "127.0.0.1", "--blobPort",
        Integer.toString(port), "--location", data.toString(), "--skipApiVersionCheck", "--loose", "--silent"))
        .redirectErrorStream(true)
        .redirectOutput(data.resolve("azurite.log").toFile())
        .start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!listening()) {
      if (!process.isAlive() || System.nanoTime() > deadline) {
        close();
        throw new IllegalStateException("azurite did not start on port " + port + "; log: "
            + Files.readString(data.resolve("azurite.log")));
      }
      Thread.sleep(100);
    }
  }

  private boolean listening() {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 200);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static Path find() {
    for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
      Path bin = d.resolve(".tools/node_modules/.bin/azurite-blob");
      if (Files.isExecutable(bin)) {
        return bin;
      }
    }
    throw new IllegalStateException("azurite is not installed: run bin/deps (installs it into .tools/node_modules)");
  }

  String connectionString() {
    return "DefaultEndpointsProtocol=http;AccountName=" + ACCOUNT + ";AccountKey=" + KEY + ";BlobEndpoint="
        + "http://127.0.0.1:" + port + "/" + ACCOUNT + ";";
  }

  /** A {@code file:} credentials source holding the connection string. */
  Path credentialsFile(Path dir) throws IOException {
    Path f = dir.resolve("azure.properties");
    Files.writeString(f, "connection-string=" + connectionString() + "\n");
    return f;
  }

  @Override
  public void close() throws Exception {
    process.descendants().forEach(ProcessHandle::destroy);
    process.destroy();
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      process.descendants().forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }
}
