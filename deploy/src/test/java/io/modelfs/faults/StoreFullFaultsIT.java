package io.modelfs.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.modelfs.core.Digest;
import io.modelfs.core.ModelRef;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The disk under the chunk store fills up, observed through the FUSE mount: the agent's store is
 * an 8 MiB tmpfs. A model twice the size of the disk is read through the mount (the store must
 * evict what it read to make room), then, with the store emptied, a neighbour fills the disk so
 * that not even one chunk fits, and a model never read before is read. Checked: the big read completes with the exact bytes or fails with EIO/ENOSPC in bounded
 * time, never wrong bytes; a disk-full read fails cleanly with a log line naming the chunk and
 * what to do; every chunk still stored re-hashes correctly; the agent keeps serving a small model
 * meanwhile and recovers by itself once space is freed. Needs root (tmpfs, FUSE); skipped otherwise.
 */
class StoreFullFaultsIT {
  private static final Logger log = LoggerFactory.getLogger(StoreFullFaultsIT.class);
  private static final int MIB = 1 << 20;
  private static final int EIO = 5;
  private static final int ENOSPC = 28;
  private static final Pattern VERIFIED = Pattern.compile("verified (\\d+) chunks .*: all good");

  @TempDir Path tmp;
  private Modelfs modelfs;
  private Path tmpfs;

  @AfterEach
  void cleanUp() throws Exception {
    try {
      if (modelfs != null) {
        modelfs.close(); // kills the agent and unmounts FUSE before the tmpfs goes
      }
    } finally {
      if (tmpfs != null) {
        new ProcessBuilder("umount", "-l", tmpfs.toString()).redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor(10, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void aModelLargerThanTheDiskAndADiskFilledByANeighbourFailCleanlyAndLoseNothing() throws Exception {
    assumeTrue("root".equals(System.getProperty("user.name")), "StoreFullFaultsIT needs root (tmpfs, FUSE); skipped");
    modelfs = new Modelfs(tmp);
    byte[] big = randomBytes(16 * MIB + 4321, 21);
    byte[] small = randomBytes(2 * MIB + 99, 22);
    byte[] cold = randomBytes(4 * MIB + 7, 23); // never read before the disk is full: not in the page cache
    Path origin = Files.createDirectories(tmp.resolve("origin"));
    Files.write(Files.createDirectories(origin.resolve("big")).resolve("weights.bin"), big);
    Files.write(Files.createDirectories(origin.resolve("small")).resolve("weights.bin"), small);
    Files.write(Files.createDirectories(origin.resolve("cold")).resolve("weights.bin"), cold);
    Path manifests = Files.createDirectories(tmp.resolve("manifests"));
    ModelRef bigRef = modelfs.importModel(origin.resolve("big").toString(), "big", manifests);
    ModelRef smallRef = modelfs.importModel(origin.resolve("small").toString(), "small", manifests);
    ModelRef coldRef = modelfs.importModel(origin.resolve("cold").toString(), "cold", manifests);

    // The agent's store directory is the root of an 8 MiB tmpfs (Modelfs puts it at <work>/node/store).
    tmpfs = Files.createDirectories(tmp.resolve("node/store"));
    Modelfs.Run mount = run(List.of("mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", tmpfs.toString()));
    assumeTrue(mount.exit() == 0, "cannot mount a tmpfs here: " + mount.all());
    Modelfs.Agent agent = modelfs.startAgent("node", null, manifests, List.of("--read-timeout", "20s", "--readahead", "2"));

    Modelfs.Run pulled = modelfs.run(List.of("pull", "--agent", agent.control().toString(), smallRef.toString()), 120);
    assertEquals(0, pulled.exit(), pulled.all());

    // 1. A model twice the size of the disk, read through the mount while the small one is read too.
    Process bigReader = modelfs.startRead(agent.file(bigRef, "weights.bin"));
    Modelfs.Read smallWhile = modelfs.read(agent.file(smallRef, "weights.bin"), 120);
    Modelfs.Read bigRead = Modelfs.result(bigReader, 180);
    assertTrue(smallWhile.ok(), "the small model failed (errno " + smallWhile.errno() + ") while the big one was read\n"
        + OriginFaultsIT.tail(agent.logText()));
    assertEquals(Digest.sha256(small).hex(), smallWhile.sha256());
    if (bigRead.ok()) {
      assertEquals(Digest.sha256(big).hex(), bigRead.sha256(), "wrong bytes from a store smaller than the model");
    } else {
      assertTrue(bigRead.errno() == EIO || bigRead.errno() == ENOSPC, "unexpected errno " + bigRead.errno());
    }
    long storedAfterBig = verifiedChunks(agent);
    assertTrue(storedAfterBig <= 8, storedAfterBig + " chunks of 1 MiB cannot be on an 8 MiB disk");

    // 2. A neighbour fills the disk: the store holds nothing it could evict (gc first), and not one chunk
    // fits; a model never read before (the kernel's page cache cannot answer for the agent) is read.
    Modelfs.Run gc = modelfs.run(List.of("gc", "--agent", agent.control().toString(), "--to", "0"), 60);
    assertEquals(0, gc.exit(), gc.all());
    Path filler = tmpfs.resolve("neighbour.fill");
    Modelfs.Run fill = run(List.of("dd", "if=/dev/zero", "of=" + filler, "bs=64k"));
    assertTrue(fill.all().contains("No space left"), "the neighbour did not fill the disk: " + fill.all());
    int logLinesBefore = agent.logText().split("\n").length;
    Modelfs.Read full = modelfs.read(agent.file(coldRef, "weights.bin"), 120);
    assertTrue(!full.ok(), "a read through a full disk cannot complete");
    assertTrue(full.errno() == EIO || full.errno() == ENOSPC, "a full disk gives EIO or ENOSPC, not errno " + full.errno());
    List<String> newLines = agent.logText().lines().skip(logLinesBefore).toList();
    String diskFull = newLines.stream().filter(l -> l.contains("is full") && l.contains("not stored")).findFirst()
        .orElseThrow(() -> new AssertionError("no log line about the full disk:\n" + String.join("\n", newLines)));
    assertTrue(diskFull.matches(".*chunk [0-9a-f]{64}.*") && diskFull.contains(tmpfs.toString()) && diskFull.contains("free"),
        "the log line names the chunk, the store and what to do: " + diskFull);
    long storedWhileFull = verifiedChunks(agent); // every chunk still stored re-hashes to its digest

    // 3. Space comes back: the same agent (no restart) serves both models with the exact bytes.
    Files.delete(filler);
    Modelfs.Read healedSmall = modelfs.read(agent.file(smallRef, "weights.bin"), 120);
    assertTrue(healedSmall.ok(), "errno " + healedSmall.errno() + "\n" + OriginFaultsIT.tail(agent.logText()));
    assertEquals(Digest.sha256(small).hex(), healedSmall.sha256());
    Modelfs.Read healedBig = modelfs.read(agent.file(bigRef, "weights.bin"), 180);
    assertTrue(healedBig.ok(), "errno " + healedBig.errno() + "\n" + OriginFaultsIT.tail(agent.logText()));
    assertEquals(Digest.sha256(big).hex(), healedBig.sha256());
    Modelfs.Read healedCold = modelfs.read(agent.file(coldRef, "weights.bin"), 120);
    assertTrue(healedCold.ok(), "errno " + healedCold.errno() + "\n" + OriginFaultsIT.tail(agent.logText()));
    assertEquals(Digest.sha256(cold).hex(), healedCold.sha256());
    long storedAtEnd = verifiedChunks(agent);
    log.info("store on an 8 MiB tmpfs: 16 MiB model read {} ({} s) with the 2 MiB model read exact beside it; {} chunks"
        + " stored after; disk filled by a neighbour: a cold 4 MiB read failed with errno {} in {} s, {} chunks stored and intact;"
        + " log: {}; after freeing space all three models read exact, {} chunks stored and intact",
        bigRead.ok() ? "exact" : "errno " + bigRead.errno(), bigRead.seconds(), storedAfterBig, full.errno(), full.seconds(),
        storedWhileFull, diskFull, storedAtEnd);
  }

  private Modelfs.Run run(List<String> cmd) throws IOException, InterruptedException {
    Path out = Files.createTempFile(tmp, "cmd", ".txt");
    Process p = modelfs.start(new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()));
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      throw new AssertionError(cmd + " did not finish in 60 s");
    }
    return new Modelfs.Run(p.exitValue(), Files.readString(out), "");
  }

  private long verifiedChunks(Modelfs.Agent agent) throws Exception {
    Modelfs.Run v = modelfs.run(List.of("verify", "--agent", agent.control().toString()), 120);
    assertEquals(0, v.exit(), "verify found a corrupt chunk or failed:\n" + v.all());
    Matcher m = VERIFIED.matcher(v.out());
    assertTrue(m.find(), v.all());
    return Long.parseLong(m.group(1));
  }

  private static byte[] randomBytes(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }
}
