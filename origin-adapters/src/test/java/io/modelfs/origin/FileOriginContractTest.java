package io.modelfs.origin;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

class FileOriginContractTest extends OriginContract {
  @TempDir Path dir;

  @Override
  Origin open() {
    return new FileOrigin(dir);
  }

  @Override
  void store(Origin origin, String path, byte[] bytes) throws Exception {
    Path p = dir.resolve(path);
    Files.createDirectories(p.getParent());
    Files.write(p, bytes);
    // a rewrite within the same millisecond keeps size and mtime: move mtime on, as time would
    Files.setLastModifiedTime(p, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + bytes.length
        + Math.abs(java.util.Arrays.hashCode(bytes) % 100_000)));
  }

  @Override
  Origin openMissingBucket() {
    return new FileOrigin(dir.resolve("no-such-dir"));
  }

  @Override
  Origin manifestsLocation() throws Exception {
    return Origins.open(origin.uri().resolve(".modelfs/manifests/").toString());
  }
}
