package io.modelfs.origin;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.channels.Channels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileOriginTest {
  @TempDir Path dir;

  @Test
  void listsFilesRecursivelySortedWithoutTheModelfsFolder() throws Exception {
    Files.createDirectories(dir.resolve("sub/deep"));
    Files.createDirectories(dir.resolve(".modelfs/manifests"));
    Files.write(dir.resolve("b.bin"), new byte[10]);
    Files.write(dir.resolve("sub/deep/a.bin"), new byte[3]);
    Files.write(dir.resolve(".modelfs/manifests/x.manifest"), new byte[1]);
    Files.setPosixFilePermissions(dir.resolve("b.bin"), PosixFilePermissions.fromString("rwxr-x---"));
    List<ObjectInfo> list = Origins.open(dir.toString()).list();
    assertEquals(List.of("b.bin", "sub/deep/a.bin"), list.stream().map(ObjectInfo::path).toList());
    assertEquals(10, list.get(0).size());
    assertEquals(0750, list.get(0).mode());
  }

  @Test
  void readsARangeOfTheVersionItWasAskedFor() throws Exception {
    byte[] data = new byte[3000];
    Arrays.fill(data, 1000, 2000, (byte) 7);
    Files.write(dir.resolve("f"), data);
    Origin o = Origins.open(dir.toUri().toString());
    String version = o.stat("f").version();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    o.read("f", version, 1000, 1000, Channels.newChannel(out));
    byte[] expected = new byte[1000];
    Arrays.fill(expected, (byte) 7);
    assertArrayEquals(expected, out.toByteArray());
  }

  @Test
  void refusesToServeAFileThatChangedSinceImport() throws Exception {
    Files.write(dir.resolve("f"), new byte[100]);
    Origin o = Origins.open(dir.toString());
    String version = o.stat("f").version();
    Files.write(dir.resolve("f"), new byte[100]);
    Files.setLastModifiedTime(dir.resolve("f"), FileTime.fromMillis(System.currentTimeMillis() + 5000));
    OriginException e = assertThrows(OriginException.Changed.class,
        () -> o.read("f", version, 0, 10, Channels.newChannel(new ByteArrayOutputStream())));
    assertTrue(e.getMessage().contains("changed since import"), e.getMessage());
  }

  @Test
  void missingObjectsAndHostilePathsFailClearly() throws Exception {
    Origin o = Origins.open(dir.toString());
    assertThrows(OriginException.NotFound.class, () -> o.stat("nope"));
    assertThrows(OriginException.NotFound.class, () -> Origins.open(dir.resolve("missing").toString()).list());
    assertThrows(IllegalArgumentException.class, () -> o.stat("../etc/passwd"));
    assertThrows(IllegalArgumentException.class, () -> o.put("/abs", new byte[1]));
    OriginException e = assertThrows(OriginException.Permanent.class, () -> Origins.open("ftp://host/model/"));
    assertTrue(e.getMessage().contains("ftp"), e.getMessage());
  }

  @Test
  void putReplacesAtomically() throws Exception {
    Origin o = Origins.open(dir.toString());
    o.put("m/x.manifest", new byte[] {1, 2});
    o.put("m/x.manifest", new byte[] {3});
    assertArrayEquals(new byte[] {3}, o.readAll("m/x.manifest", 10));
    assertThrows(OriginException.Permanent.class, () -> o.readAll("m/x.manifest", 0));
    try (var s = Files.list(dir.resolve("m"))) {
      assertEquals(1, s.count(), "no temporary files are left behind");
    }
  }
}
