package io.modelfs.fuse;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.modelfs.core.Digest;
import io.modelfs.core.FileEntry;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The programs users point at a model directory, run against a real kernel mount: numpy
 * memory-mapping safetensors and GGUF tensors (Debian's python3-numpy), cp -r, find, du, sha256sum, df,
 * dd with O_DIRECT, fio, and xattr calls. Needs what bin/deps installs; fails, never skips.
 */
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class RealClientsIT {
  private static final int CHUNK = 64 << 10;
  private static final String PYTHON = "/usr/bin/python3";
  private static final InMemoryModel MODEL = build();

  @TempDir static Path tmp;
  private static FuseMount mount;
  private static Path root;
  private static Path modelDir;

  private static InMemoryModel build() {
    Random random = new Random(9);
    InMemoryModel.Builder b = InMemoryModel.builder("clients", CHUNK)
        .file("config.json", "{\"hidden_size\": 64}\n".getBytes(StandardCharsets.UTF_8), 0644)
        .file("model-00001-of-00002.safetensors", SafetensorsFile.of(random, 3 * CHUNK + 17, 1000, 0, 20 * CHUNK), 0644)
        .file("model-00002-of-00002.safetensors", SafetensorsFile.of(random, 8 * CHUNK, 5), 0644)
        .file("model-Q8_0.gguf", GgufHeaderTest.llamaLike().tensor("blk.1.ffn_down.weight", 8, 4096, 40).bytes(random), 0644)
        .file("tokenizer/tokenizer.model", 3 * CHUNK + 1, 0444)
        .file("empty", 0, 0644);
    for (int i = 0; i < 8; i++) {
      b.file("shards/shard-" + i + ".bin", 16 * CHUNK + i, 0644);
    }
    return b.build();
  }

  @BeforeAll
  static void mount() throws IOException {
    Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
    mount = FuseMount.mount(tmp.resolve("models"), new InMemoryCatalog().add(MODEL), MountConfig.defaults());
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
  void numpyMemoryMapsEveryTensorAndGetsTheSourceBytes() throws Exception {
    Path script = tmp.resolve("check_safetensors.py");
    try (InputStream in = RealClientsIT.class.getResourceAsStream("/check_safetensors.py")) {
      Files.write(script, in.readAllBytes());
    }
    for (String name : List.of("model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors")) {
      Path source = tmp.resolve("source-" + name);
      Files.write(source, MODEL.bytes(name));
      Commands.Result r = Commands.run(PYTHON, script.toString(), modelDir.resolve(name).toString(), source.toString());
      assertEquals(0, r.exit(), name + ": " + r.stderr());
      assertTrue(new String(r.stdout(), StandardCharsets.UTF_8).startsWith("ok "), name + ": " + new String(r.stdout()));
    }
  }

  @Test
  void numpyMemoryMapsEveryGgufTensorAndGetsTheSourceBytes() throws Exception {
    Path script = tmp.resolve("check_gguf.py");
    try (InputStream in = RealClientsIT.class.getResourceAsStream("/check_gguf.py")) {
      Files.write(script, in.readAllBytes());
    }
    String name = "model-Q8_0.gguf";
    Path source = tmp.resolve("source-" + name);
    Files.write(source, MODEL.bytes(name));
    Commands.Result r = Commands.run(PYTHON, script.toString(), modelDir.resolve(name).toString(), source.toString());
    assertEquals(0, r.exit(), name + ": " + r.stderr());
    assertEquals("ok 5 " + (GgufHeader.parse(MODEL.bytes(name)).tensors().stream().mapToLong(t -> t.end() - t.begin()).sum()),
        new String(r.stdout(), StandardCharsets.UTF_8).trim());
  }

  @Test
  void cpFindDuAndSha256sumSeeTheModelAsItIs() throws Exception {
    Path copy = tmp.resolve("copy");
    Commands.Result cp = Commands.run("cp", "-r", modelDir.toString(), copy.toString());
    assertEquals(0, cp.exit(), cp.stderr());
    for (FileEntry f : MODEL.manifest().files()) {
      assertArrayEquals(MODEL.bytes(f.path()), Files.readAllBytes(copy.resolve(f.path())), f.path());
    }

    Commands.Result find = Commands.run("find", modelDir.toString(), "-type", "f");
    assertEquals(0, find.exit(), find.stderr());
    TreeSet<String> found = new String(find.stdout(), StandardCharsets.UTF_8).lines()
        .map(l -> modelDir.relativize(Path.of(l)).toString()).collect(Collectors.toCollection(TreeSet::new));
    assertEquals(MODEL.manifest().files().stream().map(FileEntry::path).collect(Collectors.toCollection(TreeSet::new)), found);

    Commands.Result du = Commands.run("du", "-s", "--apparent-size", "-B1", modelDir.toString());
    assertEquals(0, du.exit(), du.stderr());
    long apparent = Long.parseLong(new String(du.stdout(), StandardCharsets.UTF_8).split("\\s+")[0]);
    assertEquals(MODEL.manifest().totalBytes(), apparent, "du --apparent-size counts the files' bytes (directories are 0)");
    Commands.Result duBlocks = Commands.run("du", "-s", "-B1", modelDir.toString());
    long blocks = Long.parseLong(new String(duBlocks.stdout(), StandardCharsets.UTF_8).split("\\s+")[0]);
    assertTrue(blocks >= MODEL.manifest().totalBytes() && blocks < MODEL.manifest().totalBytes() + 512L * 20, "du says " + blocks);

    List<String> command = new ArrayList<>(List.of("sha256sum"));
    MODEL.manifest().files().forEach(f -> command.add(modelDir.resolve(f.path()).toString()));
    Commands.Result sums = Commands.run(command.toArray(String[]::new));
    assertEquals(0, sums.exit(), sums.stderr());
    for (String line : new String(sums.stdout(), StandardCharsets.UTF_8).lines().toList()) {
      String[] parts = line.split("  ", 2);
      String path = modelDir.relativize(Path.of(parts[1])).toString();
      assertEquals(Digest.sha256(MODEL.bytes(path)).hex(), parts[0], path);
    }
  }

  @Test
  void fioSequentialRandomAndDirectReadsCompleteWithoutError() throws Exception {
    // fio splits --filename at ':' (several files), and refs contain one: escape it.
    String file = modelDir.resolve("model-00001-of-00002.safetensors").toString().replace(":", "\\:");
    for (String[] job : List.of(
        new String[] {"--rw=read", "--bs=1M"},
        new String[] {"--rw=randread", "--bs=4k", "--io_size=2M"},
        new String[] {"--rw=randread", "--bs=128k", "--io_size=4M", "--numjobs=4"},
        new String[] {"--rw=read", "--bs=128k", "--direct=1"})) {
      List<String> command = new ArrayList<>(List.of("fio", "--name=modelfs", "--filename=" + file, "--readonly",
          "--ioengine=psync", "--output-format=terse", "--terse-version=3"));
      command.addAll(Arrays.asList(job));
      Commands.Result r = Commands.run(command.toArray(String[]::new));
      assertEquals(0, r.exit(), String.join(" ", job) + ": " + r.stderr());
      for (String line : new String(r.stdout(), StandardCharsets.UTF_8).lines().toList()) {
        String[] f = line.split(";");
        // terse v3: field 5 is the job's error, field 6 the KiB read.
        assertEquals("0", f[4], String.join(" ", job) + ": " + line);
        assertTrue(Long.parseLong(f[5]) > 0, String.join(" ", job) + " read nothing: " + line);
      }
    }
  }

  @Test
  void directIoReadsReturnTheBytes() throws Exception {
    String name = "shards/shard-3.bin";
    Commands.Result dd = Commands.run("dd", "if=" + modelDir.resolve(name), "iflag=direct", "bs=64k", "status=none");
    assertEquals(0, dd.exit(), dd.stderr());
    assertArrayEquals(MODEL.bytes(name), dd.stdout());
  }

  @Test
  void xattrsNameTheFileDigestAndTheModelRef() throws Exception {
    String file = modelDir.resolve("config.json").toString();
    Commands.Result r = Commands.run(PYTHON, "-c",
        "import os, sys\n"
            + "print(os.listxattr(sys.argv[1]))\n"
            + "print(os.getxattr(sys.argv[1], 'user.modelfs.digest').decode())\n"
            + "print(os.getxattr(sys.argv[2], 'user.modelfs.ref').decode())\n"
            + "try:\n"
            + "    os.getxattr(sys.argv[1], 'user.nope')\n"
            + "except OSError as e:\n"
            + "    print(e.errno)\n"
            + "try:\n"
            + "    os.setxattr(sys.argv[1], 'user.x', b'1')\n"
            + "except OSError as e:\n"
            + "    print(e.errno)\n",
        file, modelDir.toString());
    assertEquals(0, r.exit(), r.stderr());
    List<String> lines = new String(r.stdout(), StandardCharsets.UTF_8).lines().toList();
    assertEquals("['user.modelfs.digest']", lines.get(0));
    assertEquals(new String(new ModelFileSystem(new InMemoryCatalog().add(MODEL), MountConfig.defaults(),
        java.time.Clock.systemUTC(), Runnable::run).getxattr("/" + MODEL.ref() + "/config.json", ModelFileSystem.XATTR_DIGEST),
        StandardCharsets.US_ASCII), lines.get(1));
    assertEquals(MODEL.ref().toString(), lines.get(2));
    assertEquals("61", lines.get(3), "ENODATA");
    assertEquals("30", lines.get(4), "EROFS");
  }

  @Test
  void dfShowsTheOpenedModelsAndTheKernelWindowIsSet() throws Exception {
    Files.getLastModifiedTime(modelDir);
    Commands.Result df = Commands.run("df", "-B1", "--output=size,used,avail,target", root.toString());
    assertEquals(0, df.exit(), df.stderr());
    String[] row = new String(df.stdout(), StandardCharsets.UTF_8).lines().toList().get(1).trim().split("\\s+");
    long size = Long.parseLong(row[0]);
    assertTrue(size >= MODEL.manifest().totalBytes() && size < MODEL.manifest().totalBytes() + 4096L * 20, "df size " + size);
    assertEquals("0", row[2], "nothing is free on a read-only mount");
    assertEquals(root.toString(), row[3]);
    assertEquals(MountConfig.DEFAULT_KERNEL_READAHEAD_KB, KernelReadahead.get(root));
  }

  @Test
  void manyReadersOfDifferentShardsAllFinish() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<byte[]>> reads = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        Path shard = modelDir.resolve("shards/shard-" + i + ".bin");
        reads.add(pool.submit(() -> Files.readAllBytes(shard)));
      }
      for (int i = 0; i < 8; i++) {
        assertArrayEquals(MODEL.bytes("shards/shard-" + i + ".bin"), reads.get(i).get(60, TimeUnit.SECONDS), "shard " + i);
      }
    } finally {
      pool.shutdownNow();
    }
  }
}
