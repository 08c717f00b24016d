package io.modelfs.store;

import io.modelfs.core.Digest;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Where things live under a store's root:
 * <pre>
 *   chunks/&lt;first 2 hex&gt;/&lt;64 hex&gt;   one file per published chunk, renamed in after verification
 *   staging/&lt;64 hex&gt;.&lt;random&gt;.part    a load in progress; anything here at open is a crash's leftover
 *   index/                             the RocksDB {@link ChunkIndex}
 *   quarantine/&lt;64 hex&gt;.&lt;millis&gt;     chunk files {@code verify} found corrupt, kept for inspection
 *   lock                               held by the one process that owns the store
 * </pre>
 */
final class StoreLayout {
  private static final Pattern CHUNK_NAME = Pattern.compile("[0-9a-f]{64}");

  private final Path root;
  private final Path chunks;
  private final Path staging;
  private final Path quarantine;

  StoreLayout(Path root) {
    this.root = root.toAbsolutePath().normalize();
    this.chunks = this.root.resolve("chunks");
    this.staging = this.root.resolve("staging");
    this.quarantine = this.root.resolve("quarantine");
  }

  Path root() {
    return root;
  }

  Path chunksDir() {
    return chunks;
  }

  Path indexDir() {
    return root.resolve("index");
  }

  /** Where a corrupt chunk file found at {@code millis} is moved. */
  Path quarantinePath(Digest digest, long millis) throws IOException {
    Files.createDirectories(quarantine);
    return quarantine.resolve(digest.hex() + "." + millis);
  }

  Path chunkPath(Digest digest) {
    return root.resolve(chunkLocation(digest));
  }

  /** Where a published chunk's file is, relative to the root: {@code chunks/<2 hex>/<64 hex>}. */
  static String chunkLocation(Digest digest) {
    String hex = digest.hex();
    return "chunks/" + hex.substring(0, 2) + "/" + hex;
  }

  /** {@code path} relative to the root, with '/' separators, as the index records locations. */
  String location(Path path) {
    return root.relativize(path).toString().replace('\\', '/');
  }

  /** A new, empty, uniquely named staging file for a load of {@code digest}. */
  Path newStagingFile(Digest digest) throws IOException {
    return Files.createTempFile(staging, digest.hex() + ".", ".part");
  }

  /** A new, empty, uniquely named staging file to probe what the filesystem allows. */
  Path newProbeFile() throws IOException {
    return Files.createTempFile(staging, "probe.", ".part");
  }

  /** Creates the directories and takes the lock; fails if another store has the root open. */
  FileLock createAndLock() throws IOException {
    Files.createDirectories(chunks);
    Files.createDirectories(staging);
    FileChannel lockFile = FileChannel.open(root.resolve("lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    FileLock lock;
    try {
      lock = lockFile.tryLock();
    } catch (OverlappingFileLockException e) {
      lock = null;
    }
    if (lock == null) {
      lockFile.close();
      throw new IOException("chunk store at " + root + " is already open (its lock file is held)");
    }
    return lock;
  }

  /** Deletes everything under {@code staging/}; returns how many files it removed. */
  int clearStaging() throws IOException {
    List<Path> leftovers;
    try (Stream<Path> walk = Files.walk(staging)) {
      leftovers = walk.filter(p -> !p.equals(staging)).sorted(Comparator.reverseOrder()).toList();
    }
    int files = 0;
    for (Path p : leftovers) {
      files += Files.isDirectory(p) ? 0 : 1;
      Files.deleteIfExists(p);
    }
    return files;
  }

  /** True for a regular file at {@code chunks/<2 hex>/<64 hex>}. */
  boolean isChunkFile(Path p) {
    String name = p.getFileName().toString();
    return CHUNK_NAME.matcher(name).matches()
        && p.getParent().getFileName().toString().equals(name.substring(0, 2))
        && p.getParent().getParent().equals(chunks)
        && Files.isRegularFile(p);
  }
}
