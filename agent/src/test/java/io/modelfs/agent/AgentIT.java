package io.modelfs.agent;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.modelfs.agent.control.ControlClient;
import io.modelfs.core.Digest;
import io.modelfs.core.ModelRef;
import io.modelfs.core.proto.ControlRequest;
import io.modelfs.core.proto.ControlResponse;
import io.modelfs.core.proto.PullRequest;
import io.modelfs.origin.Importer;
import io.modelfs.origin.ManifestStore;
import io.modelfs.origin.Origins;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The walking skeleton end to end on a real kernel FUSE mount: import a generated tree from a
 * {@code file:} origin, start an agent, and read the model as a loader would.
 */
class AgentIT {
  private static final int CS = 64 << 10;

  @TempDir Path tmp;
  private Path source;
  private Map<String, byte[]> files;
  private ModelRef ref;
  private Agent agent;
  private Path model;

  @BeforeEach
  void importAndMount() throws IOException {
    Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x")); // other uids reach the mount
    source = tmp.resolve("origin");
    Random random = new Random(7);
    files = new LinkedHashMap<>();
    files.put("config.json", "{\"hidden_size\": 8}\n".getBytes());
    files.put("empty", new byte[0]);
    files.put("one-chunk.bin", bytes(random, CS));
    files.put("one-chunk-plus-one.bin", bytes(random, CS + 1));
    files.put("shards/model-00001.safetensors", bytes(random, 40 * CS + 123));
    files.put("shards/nested/deeper/tokenizer.model", bytes(random, 3000));
    for (Map.Entry<String, byte[]> e : files.entrySet()) {
      Path p = source.resolve(e.getKey());
      Files.createDirectories(p.getParent());
      Files.write(p, e.getValue());
    }
    Files.setPosixFilePermissions(source.resolve("one-chunk.bin"), PosixFilePermissions.fromString("rwxr-xr-x"));
    Importer.Result r = new Importer(new Importer.Config(CS, 2)).run(Origins.open(source.toString()), "test-model", noProgress());
    Path manifests = source.resolve(".modelfs/manifests");
    ref = new ManifestStore(Origins.open(manifests.toString())).publish(r);
    AgentConfig config = AgentConfig.of(tmp.resolve("mnt"), tmp.resolve("store"), List.of(manifests.toUri().toString()),
            tmp.resolve("agent.sock"))
        .withReadTimeout(Duration.ofSeconds(20))
        .withFetchThreads(4)
        .withReadaheadChunks(2)
        .withOriginAttempts(2);
    agent = Agent.start(config);
    model = tmp.resolve("mnt").resolve(ref.toString());
  }

  @AfterEach
  void stop() {
    if (agent != null) {
      agent.close();
    }
  }

  @Test
  void servesEveryFileByteForByteWithItsSizeAndMode() throws IOException {
    for (Map.Entry<String, byte[]> e : files.entrySet()) {
      Path p = model.resolve(e.getKey());
      assertEquals(e.getValue().length, Files.size(p), e.getKey());
      assertArrayEquals(e.getValue(), Files.readAllBytes(p), e.getKey());
    }
    assertEquals("rwxr-xr-x", PosixFilePermissions.toString(Files.getPosixFilePermissions(model.resolve("one-chunk.bin"))));
    assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(model.resolve("config.json"))));
    assertEquals(Set.of("config.json", "empty", "one-chunk.bin", "one-chunk-plus-one.bin", "shards"), list(model));
    assertEquals(Set.of("model-00001.safetensors", "nested"), list(model.resolve("shards")));
    assertEquals(Set.of(ref.toString()), list(tmp.resolve("mnt")));
    assertTrue(Files.isDirectory(model.resolve("shards/nested/deeper")));
  }

  @Test
  void randomOffsetAndMemoryMappedReadsMatchTheSource() throws IOException, InterruptedException {
    byte[] expected = files.get("shards/model-00001.safetensors");
    Random random = new Random(11);
    try (RandomAccessFile f = new RandomAccessFile(model.resolve("shards/model-00001.safetensors").toFile(), "r")) {
      for (int i = 0; i < 200; i++) {
        int offset = random.nextInt(expected.length);
        int len = Math.min(expected.length - offset, 1 + random.nextInt(3 * CS));
        byte[] got = new byte[len];
        f.seek(offset);
        f.readFully(got);
        assertArrayEquals(Arrays.copyOfRange(expected, offset, offset + len), got, "at offset " + offset);
      }
    }
    // mmap as safetensors loaders do, in another process: a JVM thread faulting on a mount that
    // the same JVM serves can deadlock with the FUSE thread at a safepoint.
    Path file = model.resolve("one-chunk-plus-one.bin");
    Process p = new ProcessBuilder("python3", "-c",
        "import hashlib, mmap, sys\n"
            + "with open(sys.argv[1], 'rb') as f:\n"
            + "    m = mmap.mmap(f.fileno(), 0, prot=mmap.PROT_READ)\n"
            + "    print(hashlib.sha256(m[:]).hexdigest())\n", file.toString())
        .redirectError(ProcessBuilder.Redirect.INHERIT).start();
    String hex = new String(p.getInputStream().readAllBytes()).strip();
    assertTrue(waitFor(p), "mmap reader finished");
    assertEquals(Digest.sha256(files.get("one-chunk-plus-one.bin")).hex(), hex);
  }

  @Test
  void readsAreLazyAndBounded() throws IOException, InterruptedException {
    try (FileChannel ch = FileChannel.open(model.resolve("shards/model-00001.safetensors"), StandardOpenOption.READ)) {
      ByteBuffer b = ByteBuffer.allocate(4096);
      ch.read(b, 10L * CS);
    }
    Thread.sleep(500); // let readahead settle; it is bounded, so waiting longer changes nothing
    long stored = agent.storeStats().chunks();
    assertTrue(stored >= 1 && stored <= 8, "a 4 KiB read fetched " + stored + " of 41 chunks");
  }

  @Test
  void otherUsersCanReadAndNobodyCanWrite() throws Exception {
    Path file = model.resolve("shards/nested/deeper/tokenizer.model");
    Process p = new ProcessBuilder("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "cat", file.toString())
        .redirectError(ProcessBuilder.Redirect.INHERIT).start();
    byte[] out = p.getInputStream().readAllBytes();
    assertTrue(waitFor(p));
    assertEquals(0, p.exitValue());
    assertArrayEquals(files.get("shards/nested/deeper/tokenizer.model"), out);

    assertReadOnly(() -> Files.write(model.resolve("config.json"), new byte[1]));
    assertReadOnly(() -> Files.createFile(model.resolve("new-file")));
    assertReadOnly(() -> Files.createDirectory(model.resolve("new-dir")));
    assertReadOnly(() -> Files.delete(model.resolve("config.json")));
    assertReadOnly(() -> Files.move(model.resolve("config.json"), model.resolve("moved.json")));
    assertTrue(Files.exists(model.resolve("config.json")));
  }

  @Test
  void unknownNamesAreNotFound() {
    assertThrows(NoSuchFileException.class, () -> Files.size(model.resolve("no-such-file")));
    String unknown = "test-model@sha256:" + Digest.sha256(new byte[] {1}).hex();
    assertFalse(Files.exists(tmp.resolve("mnt").resolve(unknown)));
    assertFalse(Files.exists(tmp.resolve("mnt").resolve("not-a-ref")));
  }

  @Test
  void pullFetchesEveryChunkAndReportsProgress() throws IOException {
    List<ControlResponse> progress = new ArrayList<>();
    ControlResponse done = ControlClient.call(tmp.resolve("agent.sock"),
        ControlRequest.newBuilder().setPull(PullRequest.newBuilder().setRef(ref.toString())).build(), progress::add);
    assertTrue(done.hasDone(), done.toString());
    long chunks = files.values().stream().mapToLong(b -> (b.length + CS - 1) / CS).sum();
    assertEquals(chunks, done.getDone().getChunksDone());
    assertEquals(chunks, done.getDone().getChunksTotal());
    assertEquals(chunks, agent.storeStats().chunks());
    // A second pull finds everything local.
    ControlResponse again = ControlClient.call(tmp.resolve("agent.sock"),
        ControlRequest.newBuilder().setPull(PullRequest.newBuilder().setRef(ref.toString())).build(), r -> {});
    assertEquals(again.getDone().getBytesTotal(), again.getDone().getBytesLocal());
  }

  @Test
  void pullOfAnUnknownRefFailsWithAClearMessage() throws IOException {
    String unknown = "test-model@sha256:" + Digest.sha256(new byte[] {2}).hex();
    ControlResponse r = ControlClient.call(tmp.resolve("agent.sock"),
        ControlRequest.newBuilder().setPull(PullRequest.newBuilder().setRef(unknown)).build(), p -> {});
    assertTrue(r.hasError());
    assertTrue(r.getError().getMessage().contains("not found"), r.getError().getMessage());
  }

  @Test
  void corruptOriginBytesAreNeverServed() throws IOException {
    Path p = source.resolve("shards/model-00001.safetensors");
    FileTime mtime = Files.getLastModifiedTime(p);
    byte[] corrupt = files.get("shards/model-00001.safetensors").clone();
    corrupt[5 * CS + 3] ^= 0x55;
    Files.write(p, corrupt);
    Files.setLastModifiedTime(p, mtime); // same size and mtime: the version check cannot see it
    byte[] got = new byte[100];
    IOException e = assertThrows(IOException.class, () -> {
      try (RandomAccessFile f = new RandomAccessFile(model.resolve("shards/model-00001.safetensors").toFile(), "r")) {
        f.seek(5L * CS);
        f.readFully(got);
      }
    });
    assertTrue(e.getMessage().contains("Input/output error"), e.getMessage());
    assertTrue(agent.storeStats().verificationFailures() > 0, "the bad chunk was caught by verification");
    assertArrayEquals(files.get("config.json"), Files.readAllBytes(model.resolve("config.json")), "other files keep working");
  }

  @Test
  void readOfAChunkWhoseOriginIsGoneFailsWithEioNamingFileOffsetAndCause() throws Exception {
    ch.qos.logback.classic.Logger logger = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(StoredModel.class);
    ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> logged =
        new ch.qos.logback.core.read.ListAppender<>();
    logged.start();
    logger.addAppender(logged);
    try {
      Files.readAllBytes(model.resolve("config.json")); // opened and served before the origin goes
      Files.delete(source.resolve("shards/model-00001.safetensors"));
      long start = System.nanoTime();
      IOException e = assertThrows(IOException.class, () -> {
        try (RandomAccessFile f = new RandomAccessFile(model.resolve("shards/model-00001.safetensors").toFile(), "r")) {
          f.seek(7L * CS + 5);
          f.readFully(new byte[100]);
        }
      });
      long seconds = (System.nanoTime() - start) / 1_000_000_000;
      assertTrue(e.getMessage().contains("Input/output error"), e.getMessage());
      assertTrue(seconds < 20, "the read failed after " + seconds + " s, beyond the 20 s read timeout");
      String line = logged.list.stream().map(ch.qos.logback.classic.spi.ILoggingEvent::getFormattedMessage)
          .filter(m -> m.contains("shards/model-00001.safetensors at offset " + 7L * CS)).findFirst()
          .orElseThrow(() -> new AssertionError("no log line names the file and offset " + 7L * CS + ": " + logged.list));
      assertTrue(line.contains("does not exist"), line);
      assertArrayEquals(files.get("config.json"), Files.readAllBytes(model.resolve("config.json")), "other files keep working");
      assertArrayEquals(files.get("one-chunk.bin"), Files.readAllBytes(model.resolve("one-chunk.bin")), "and fresh reads too");
    } finally {
      logger.detachAppender(logged);
    }
  }

  private static void assertReadOnly(Call call) {
    FileSystemException e = assertThrows(FileSystemException.class, call::run);
    assertTrue(e.getMessage().contains("Read-only file system") || e instanceof AccessDeniedException, e.toString());
  }

  private interface Call {
    void run() throws IOException;
  }

  private static boolean waitFor(Process p) throws InterruptedException {
    if (!p.waitFor(30, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      return false;
    }
    return true;
  }

  private static Set<String> list(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).collect(java.util.stream.Collectors.toSet());
    }
  }

  private static byte[] bytes(Random random, int n) {
    byte[] b = new byte[n];
    random.nextBytes(b);
    return b;
  }

  static Importer.Listener noProgress() {
    return new Importer.Listener() {
      @Override
      public void started(long totalBytes, int files) {}

      @Override
      public void hashed(long bytes) {}
    };
  }
}
