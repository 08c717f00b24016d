package io.modelfs.fuse;

import io.modelfs.core.Digest;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Prints the SHA-256 of a file read through {@code FileChannel.map}. Run in a JVM of its own:
 * a thread faulting on a page of an in-process FUSE mount cannot reach a GC safepoint, while
 * the FUSE thread that would serve the fault waits for that safepoint.
 */
public final class MapAndHashMain {
  private MapAndHashMain() {}

  public static void main(String[] args) throws Exception {
    try (FileChannel channel = FileChannel.open(Path.of(args[0]), StandardOpenOption.READ)) {
      MappedByteBuffer mapped = channel.map(FileChannel.MapMode.READ_ONLY, 0, channel.size());
      System.out.print(Digest.sha256(mapped).hex());
    }
  }
}
