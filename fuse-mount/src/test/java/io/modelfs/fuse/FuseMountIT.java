package io.modelfs.fuse;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.modelfs.core.Digest;
import io.modelfs.core.FileEntry;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The mount through a real kernel: every check goes through system calls on the mounted
 * directory, some from other processes and another uid. Needs /dev/fuse, libfuse2 and root;
 * fails, never skips, without them.
 */
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class FuseMountIT {
  private static final int CHUNK = 4096;
  private static final InMemoryModel MODEL = InMemoryModel.builder("demo-model", CHUNK)
      .file("config.json", 300, 0644)
      .file("empty.txt", 0, 0644)
      .file("one-chunk.bin", CHUNK, 0644)
      .file("chunk-plus-one.bin", CHUNK + 1, 0644)
      .file("weights/model-00001.safetensors", 300 * CHUNK + 123, 0644)
      .file("weights/nested/deeper/tokenizer.model", 3 * CHUNK + 5, 0444)
      .file("bin/run.sh", 50, 0755)
      .build();

  /**
   * Files that only one test reads each, so that their pages are not already in the kernel's
   * cache (kernel_cache) and the reads reach the filesystem.
   */
  private static final InMemoryModel COLD = InMemoryModel.builder("cold", CHUNK)
      .file("mapped.bin", 3 * CHUNK + 5, 0644)
      .file("random.bin", 300 * CHUNK + 123, 0644)
      .file("sequential.bin", 256 * CHUNK, 0644)
      .file("direct.bin", 256 * CHUNK, 0644)
      .build();

  @TempDir static Path tmp;
  private static FuseMount mount;
  private static Path root;
  private static Path modelDir;

  @BeforeAll
  static void mount() throws IOException {
    assertTrue(Files.exists(Path.of("/dev/fuse")), "/dev/fuse is missing: this test needs the fuse kernel module");
    assertTrue(Files.exists(Path.of("/usr/lib/x86_64-linux-gnu/libfuse.so.2")) || Files.exists(Path.of("/lib64/libfuse.so.2"))
        || Files.exists(Path.of("/usr/lib64/libfuse.so.2")), "libfuse.so.2 is missing: install libfuse2");
    // The other-uid test walks down to the mount.
    Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
    mount = FuseMount.mount(tmp.resolve("models"), new InMemoryCatalog().add(MODEL).add(COLD), MountConfig.defaults());
    root = mount.mountPoint();
    modelDir = root.resolve(MODEL.ref().toString());
  }

  @AfterAll
  static void unmount() throws Exception {
    if (mount != null) {
      try {
        mount.close();
      } finally {
        if (MountTable.find(root).isPresent()) {
          Commands.run("fusermount", "-u", "-z", root.toString());
        }
      }
    }
  }

  @Test
  void everyFileReadsBackItsBytes() throws IOException {
    for (FileEntry f : MODEL.manifest().files()) {
      assertArrayEquals(MODEL.bytes(f.path()), Files.readAllBytes(modelDir.resolve(f.path())), f.path());
    }
  }

  @Test
  void randomOffsetReadsReturnTheRightBytes() throws IOException {
    byte[] expected = COLD.bytes("random.bin");
    Random random = new Random(42);
    try (RandomAccessFile file = new RandomAccessFile(root.resolve(COLD.ref() + "/random.bin").toFile(), "r")) {
      for (int i = 0; i < 200; i++) {
        int offset = random.nextInt(expected.length);
        byte[] got = new byte[1 + random.nextInt(3 * CHUNK)];
        file.seek(offset);
        int n = file.read(got);
        int want = Math.min(got.length, expected.length - offset);
        assertEquals(want, n, "read at " + offset);
        assertArrayEquals(Arrays.copyOfRange(expected, offset, offset + want), Arrays.copyOf(got, n), "read at " + offset);
      }
    }
  }

  @Test
  void memoryMappedReadReturnsTheRightBytes() throws Exception {
    // In a JVM of its own: see MapAndHashMain for why not in this one.
    Commands.Result hash = Commands.run(Commands.java(MapAndHashMain.class, root.resolve(COLD.ref() + "/mapped.bin").toString()));
    assertEquals(0, hash.exit(), hash.stderr());
    assertEquals(Digest.sha256(COLD.bytes("mapped.bin")).hex(), new String(hash.stdout(), StandardCharsets.US_ASCII));
  }

  @Test
  void sequentialReaderTriggersReadahead() throws IOException {
    Path file = root.resolve(COLD.ref() + "/sequential.bin");
    assertArrayEquals(COLD.bytes("sequential.bin"), Files.readAllBytes(file));
    // The kernel's reads arrive concurrently and out of order; the run must survive that.
    int furthest = COLD.prefetches.stream().filter(p -> p.startsWith("sequential.bin#"))
        .mapToInt(p -> Integer.parseInt(p.substring(p.indexOf('#') + 1))).max().orElse(-1);
    assertTrue(furthest >= 128, "readahead stopped at chunk " + furthest + " of 256: " + COLD.prefetches);
  }

  @Test
  void requestsRunOnTheSessionsOwnJavaWorkersNotAThreadEach() throws Exception {
    java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
    long startedBefore = threads.getTotalStartedThreadCount();
    // O_DIRECT 4 KiB reads from another process: 256 requests that all reach the filesystem.
    Commands.Result dd = Commands.run("dd", "if=" + root.resolve(COLD.ref() + "/direct.bin"), "of=/dev/null",
        "bs=4096", "iflag=direct");
    assertEquals(0, dd.exit(), dd.stderr());
    long started = threads.getTotalStartedThreadCount() - startedBefore;
    long workers = Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().startsWith("modelfs-fuse-worker " + root)).count();
    assertTrue(workers >= 1 && workers <= SessionLoop.MAX_WORKERS, workers + " workers");
    // Before SessionLoop, jffi attached a new JVM thread for every request (256 here).
    assertTrue(started < 64, started + " threads started for 256 requests");
  }

  @Test
  void listingShowsTheModelAndItsTree() throws IOException {
    Files.getLastModifiedTime(modelDir); // a lookup makes the model appear in the root
    try (Stream<Path> models = Files.list(root)) {
      List<String> names = models.map(p -> p.getFileName().toString()).toList();
      assertTrue(names.contains(MODEL.ref().toString()), names.toString());
      assertTrue(List.of(MODEL.ref().toString(), COLD.ref().toString()).containsAll(names), names.toString());
    }
    try (Stream<Path> walk = Files.walk(modelDir)) {
      List<String> files = walk.filter(Files::isRegularFile).map(p -> modelDir.relativize(p).toString()).sorted().toList();
      assertEquals(MODEL.manifest().files().stream().map(FileEntry::path).toList(), files);
    }
    try (Stream<Path> weights = Files.list(modelDir.resolve("weights"))) {
      assertEquals(List.of("model-00001.safetensors", "nested"),
          weights.map(p -> p.getFileName().toString()).sorted().toList());
    }
  }

  @Test
  void sizesModesAndInodesComeFromTheManifest() throws IOException {
    for (FileEntry f : MODEL.manifest().files()) {
      Path p = modelDir.resolve(f.path());
      assertEquals(f.size(), Files.size(p), f.path());
      assertEquals(Integer.toOctalString(f.mode()), Integer.toOctalString((int) Files.getAttribute(p, "unix:mode") & 07777), f.path());
      assertEquals(Inodes.of(MODEL.ref(), f.path()), (long) Files.getAttribute(p, "unix:ino"), f.path());
    }
    assertEquals("rwxr-xr-x", PosixFilePermissions.toString(Files.getPosixFilePermissions(modelDir.resolve("bin/run.sh"))));
    assertEquals("r--r--r--", PosixFilePermissions.toString(
        Files.getPosixFilePermissions(modelDir.resolve("weights/nested/deeper/tokenizer.model"))));
    assertEquals("r-xr-xr-x", PosixFilePermissions.toString(Files.getPosixFilePermissions(modelDir.resolve("weights"))));
    assertTrue(Files.getFileStore(modelDir).isReadOnly());
    long expected = 0; // blocks of the models opened so far, which depends on the order tests run in
    for (InMemoryModel m : List.of(MODEL, COLD)) {
      try (Stream<Path> models = Files.list(root)) {
        if (models.anyMatch(p -> p.getFileName().toString().equals(m.ref().toString()))) {
          expected += (m.manifest().totalBytes() + 4095) / 4096 * 4096;
        }
      }
    }
    assertEquals(expected, Files.getFileStore(modelDir).getTotalSpace());
  }

  @Test
  void kernelHasTheMountOptions() throws IOException {
    String line = Files.readAllLines(MountTable.MOUNTINFO).stream()
        .filter(l -> l.contains(" " + root + " ")).findFirst().orElseThrow();
    String[] fields = line.split(" ");
    assertTrue(fields[5].startsWith("ro,"), line);
    for (String option : List.of("default_permissions", "allow_other", "max_read=131072")) {
      assertTrue(line.contains(option), option + " missing in " + line);
    }
    assertEquals("fuse.modelfs", MountTable.find(root).orElseThrow().fsType());
  }

  @Test
  void anotherUserCanReadTheFiles() throws Exception {
    Path file = modelDir.resolve("weights/model-00001.safetensors");
    Commands.Result cat = Commands.run(
        "setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "cat", file.toString());
    assertEquals(0, cat.exit(), cat.stderr());
    assertArrayEquals(MODEL.bytes("weights/model-00001.safetensors"), cat.stdout());
  }

  @Test
  void writesAreRefusedAsReadOnly() throws Exception {
    Path existing = modelDir.resolve("config.json");
    FileSystemException e = assertThrows(FileSystemException.class, () -> Files.write(existing, new byte[] {1}));
    assertTrue(String.valueOf(e.getReason()).contains("Read-only file system"), String.valueOf(e.getReason()));
    for (String[] command : List.of(
        new String[] {"touch", modelDir.resolve("new-file").toString()},
        new String[] {"touch", existing.toString()},
        new String[] {"mkdir", modelDir.resolve("new-dir").toString()},
        new String[] {"rm", "-f", existing.toString()},
        new String[] {"mkdir", root.resolve("x@sha256:" + "0".repeat(64)).toString()})) {
      Commands.Result r = Commands.run(command);
      assertNotEquals(0, r.exit(), String.join(" ", command));
      assertTrue(r.stderr().contains("Read-only file system"), String.join(" ", command) + ": " + r.stderr());
    }
    assertArrayEquals(MODEL.bytes("config.json"), Files.readAllBytes(existing));
  }

  @Test
  void unknownRefsAndMissingFilesDoNotExist() {
    Path unknown = root.resolve("other@sha256:" + "ab".repeat(32));
    assertFalse(Files.exists(unknown));
    assertThrows(NoSuchFileException.class, () -> Files.readAllBytes(unknown.resolve("config.json")));
    assertThrows(NoSuchFileException.class, () -> Files.readAllBytes(root.resolve("not-a-ref")));
    assertThrows(NoSuchFileException.class, () -> Files.readAllBytes(modelDir.resolve("weights/missing.bin")));
  }

  @Test
  void closeUnmountsOnceAndMountRefusesBusyDirectories() throws Exception {
    Path dir = tmp.resolve("second");
    FuseMount second = FuseMount.mount(dir, new InMemoryCatalog().add(MODEL), MountConfig.defaults());
    try {
      assertTrue(MountTable.find(dir).isPresent());
      assertArrayEquals(MODEL.bytes("config.json"), Files.readAllBytes(dir.resolve(MODEL.ref() + "/config.json")));
      IOException live = assertThrows(IOException.class, () -> FuseMount.mount(dir, new InMemoryCatalog(), MountConfig.defaults()));
      assertTrue(live.getMessage().contains("already a live mount"), live.getMessage());
    } finally {
      second.close();
    }
    assertFalse(MountTable.find(dir).isPresent(), dir + " still in " + MountTable.MOUNTINFO);
    second.close();

    Files.createDirectories(tmp.resolve("busy"));
    Files.writeString(tmp.resolve("busy/file"), "x", StandardOpenOption.CREATE_NEW);
    IOException busy = assertThrows(IOException.class,
        () -> FuseMount.mount(tmp.resolve("busy"), new InMemoryCatalog(), MountConfig.defaults()));
    assertTrue(busy.getMessage().contains("not empty"), busy.getMessage());
  }

  @Test
  void mountDetachesAStaleMountLeftByACrashedProcess() throws Exception {
    Path dir = tmp.resolve("crashed");
    try {
      Process crashing = new ProcessBuilder(Commands.java(CrashingMountMain.class, dir.toString()))
          .redirectError(ProcessBuilder.Redirect.INHERIT).start();
      try (BufferedReader out = new BufferedReader(new InputStreamReader(crashing.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = out.readLine()) != null && !line.equals("mounted")) {
          // skip its log lines; it gives up mounting after MountConfig.mountTimeout()
        }
        assertEquals("mounted", line, "the crashing process did not mount " + dir);
      } finally {
        crashing.destroyForcibly();
        assertTrue(crashing.waitFor(30, TimeUnit.SECONDS));
      }
      assertTrue(MountTable.find(dir).isPresent(), "killing the process should leave its mount behind");
      FileSystemException stale = assertThrows(FileSystemException.class, () -> {
        try (Stream<Path> listing = Files.list(dir)) {
          listing.count(); // a stat may come from the kernel's attribute cache; a listing asks the dead server
        }
      });
      assertTrue(String.valueOf(stale.getReason()).contains("not connected"), stale.getReason());

      try (FuseMount again = FuseMount.mount(dir, new InMemoryCatalog().add(MODEL), MountConfig.defaults())) {
        Path config = again.mountPoint().resolve(MODEL.ref() + "/config.json");
        assertArrayEquals(MODEL.bytes("config.json"), Files.readAllBytes(config));
      }
    } finally {
      if (MountTable.find(dir).isPresent()) {
        Commands.run("fusermount", "-u", "-z", dir.toString());
      }
    }
  }

  @Test
  void aMountThatComesUpAfterItsTimeoutIsNotLeftBehind() throws Exception {
    Path dir = tmp.resolve("late");
    try {
      // A zero timeout gives up before libfuse can have mounted: the mount comes up "late".
      IOException late = assertThrows(IOException.class, () -> FuseMount.mount(dir, new InMemoryCatalog().add(MODEL),
          MountConfig.defaults().withMountTimeout(Duration.ZERO)));
      assertTrue(late.getMessage().contains("did not go live"), late.getMessage());
      // fuse_setup returns within a second here; then the abandoned loop unmounts at once. Look for 10 s.
      boolean seen = false;
      for (int i = 0; i < 200; i++) {
        seen |= MountTable.find(dir).isPresent();
        Thread.sleep(50);
      }
      assertFalse(MountTable.find(dir).isPresent(), dir + " was left mounted after its mount timed out (seen " + seen + ")");
      // The directory is usable again.
      try (FuseMount again = FuseMount.mount(dir, new InMemoryCatalog().add(MODEL), MountConfig.defaults())) {
        assertArrayEquals(MODEL.bytes("config.json"), Files.readAllBytes(again.mountPoint().resolve(MODEL.ref() + "/config.json")));
      }
    } finally {
      if (MountTable.find(dir).isPresent()) {
        Commands.run("fusermount", "-u", "-z", dir.toString());
      }
    }
  }
}
