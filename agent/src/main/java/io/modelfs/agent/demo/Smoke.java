package io.modelfs.agent.demo;

import io.modelfs.core.Digest;
import io.modelfs.core.FileEntry;
import io.modelfs.core.Manifest;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads every file of a model back through the mount and compares it with the source, byte for
 * byte (by SHA-256 of the whole file), timing the reads through the mount.
 */
public final class Smoke {
  private Smoke() {}

  /** One file's outcome. */
  public record FileResult(String path, long bytes, long nanos, boolean matches) {}

  /** What the smoke test saw. */
  public record Result(List<FileResult> files, long bytes, long nanos) {
    public boolean ok() {
      return files.stream().allMatch(FileResult::matches);
    }

    public double mibPerSecond() {
      return bytes / (1024.0 * 1024.0) / Math.max(nanos / 1e9, 1e-9);
    }
  }

  public static Result run(Manifest manifest, Path source, Path modelDir) throws IOException {
    List<FileResult> out = new ArrayList<>();
    long total = 0;
    long nanos = 0;
    for (FileEntry f : manifest.files()) {
      long start = System.nanoTime();
      Digest mounted = hash(modelDir.resolve(f.path()));
      long took = System.nanoTime() - start;
      Digest original = hash(source.resolve(f.path()));
      out.add(new FileResult(f.path(), f.size(), took, mounted.equals(original)));
      total += f.size();
      nanos += took;
    }
    return new Result(out, total, nanos);
  }

  private static Digest hash(Path p) throws IOException {
    MessageDigest sha = Digest.newSha256();
    ByteBuffer buf = ByteBuffer.allocate(1 << 20);
    try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
      while (ch.read(buf.clear()) >= 0) {
        sha.update(buf.flip());
      }
    }
    return Digest.finish(sha);
  }
}
