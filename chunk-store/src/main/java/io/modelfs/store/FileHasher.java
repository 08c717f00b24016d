package io.modelfs.store;

import io.modelfs.core.Digest;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;

/** Re-hashes a chunk file: for files found without an index entry at open, and for {@code verify}. */
final class FileHasher {
  private static final int BUFFER = 1 << 20;

  private final ByteBuffer buffer = ByteBuffer.allocateDirect(BUFFER);

  /** True if the file holds exactly {@code size} bytes hashing to {@code digest}. */
  boolean matches(Path file, Digest digest, long size) throws IOException {
    MessageDigest sha256 = Digest.newSha256();
    long total = 0;
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      if (ch.size() != size) {
        return false;
      }
      while (true) {
        buffer.clear();
        int n = ch.read(buffer);
        if (n < 0) {
          break;
        }
        buffer.flip();
        sha256.update(buffer);
        total += n;
      }
    }
    return total == size && Digest.finish(sha256).equals(digest);
  }
}
