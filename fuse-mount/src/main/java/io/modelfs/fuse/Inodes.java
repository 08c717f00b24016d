package io.modelfs.fuse;

import io.modelfs.core.Digest;
import io.modelfs.core.ModelRef;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Inode numbers that are the same on every mount and every node: the first 8 bytes of
 * SHA-256 over the ref and the path inside the model. Tools that key on {@code st_ino} (tar,
 * rsync, hard-link detection) then see one file as one file across remounts.
 */
final class Inodes {
  /** The mount's root directory, as FUSE expects. */
  static final long ROOT = 1;

  private Inodes() {}

  /** The inode of {@code path} in model {@code ref}; the model's directory has path "". */
  static long of(ModelRef ref, String path) {
    byte[] key = (ref + "\0" + path).getBytes(StandardCharsets.UTF_8);
    long ino = ByteBuffer.wrap(Digest.sha256(key).toBytes()).getLong();
    // 0 is not an inode and 1 is the root; flipping the top bit keeps the number stable.
    return ino == 0 || ino == ROOT ? ino ^ Long.MIN_VALUE : ino;
  }

  /** The inode of the root entry {@code name} that is not a model directory (a {@code NAME:TAG} link). */
  static long ofName(String name) {
    byte[] key = ("name\0" + name).getBytes(StandardCharsets.UTF_8);
    long ino = ByteBuffer.wrap(Digest.sha256(key).toBytes()).getLong();
    return ino == 0 || ino == ROOT ? ino ^ Long.MIN_VALUE : ino;
  }
}
