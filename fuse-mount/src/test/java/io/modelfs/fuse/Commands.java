package io.modelfs.fuse;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Runs a command with a time limit and collects its output, for tests that use the mount from outside. */
final class Commands {
  static final Duration TIMEOUT = Duration.ofSeconds(30);

  record Result(int exit, byte[] stdout, String stderr) {}

  private Commands() {}

  static Result run(String... command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).start();
    CompletableFuture<byte[]> out = drain(p.getInputStream());
    CompletableFuture<byte[]> err = drain(p.getErrorStream());
    if (!p.waitFor(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
      p.destroyForcibly().waitFor();
      throw new IOException(String.join(" ", command) + " did not finish within " + TIMEOUT);
    }
    return new Result(p.exitValue(), out.join(), new String(err.join(), StandardCharsets.UTF_8));
  }

  /** The command line that runs {@code main} in a new JVM with this test's class path. */
  static String[] java(Class<?> main, String... args) {
    String bin = java.nio.file.Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String[] head = {bin, "-cp", System.getProperty("java.class.path"), main.getName()};
    String[] command = java.util.Arrays.copyOf(head, head.length + args.length);
    System.arraycopy(args, 0, command, head.length, args.length);
    return command;
  }

  private static CompletableFuture<byte[]> drain(InputStream in) {
    return CompletableFuture.supplyAsync(() -> {
      try {
        return in.readAllBytes();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    });
  }
}
