package io.modelfs.origin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.modelfs.core.Digest;
import io.modelfs.core.FileEntry;
import io.modelfs.core.ManifestFormatException;
import io.modelfs.core.ModelRef;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImporterTest {
  private static final int CS = 4096;
  @TempDir Path dir;

  private static final class Counting implements Importer.Listener {
    final AtomicLong total = new AtomicLong();
    final AtomicLong hashed = new AtomicLong();

    @Override
    public void started(long totalBytes, int files) {
      total.set(totalBytes);
    }

    @Override
    public void hashed(long bytes) {
      hashed.addAndGet(bytes);
    }
  }

  @Test
  void hashesEveryChunkOfEveryFile() throws Exception {
    byte[] big = new byte[3 * CS + 17];
    new Random(1).nextBytes(big);
    Files.write(dir.resolve("big.bin"), big);
    Files.write(dir.resolve("empty"), new byte[0]);
    Counting progress = new Counting();
    Importer.Result r = new Importer(new Importer.Config(CS, 3)).run(Origins.open(dir.toString()), "m", progress);

    FileEntry f = r.manifest().files().get(0);
    assertEquals("big.bin", f.path());
    assertEquals(4, f.chunks().size());
    for (int i = 0; i < 4; i++) {
      int from = i * CS;
      assertEquals(Digest.sha256(Arrays.copyOfRange(big, from, Math.min(big.length, from + CS))), f.chunks().get(i));
    }
    assertEquals(0, r.manifest().files().get(1).chunks().size());
    assertEquals(Digest.sha256(r.manifestBytes()), r.ref().digest());
    assertEquals(big.length, progress.total.get());
    assertEquals(big.length, progress.hashed.get());
  }

  @Test
  void importingTheSameBytesTwiceGivesTheSameRef() throws Exception {
    Files.write(dir.resolve("a"), new byte[CS * 2]);
    Importer importer = new Importer(new Importer.Config(CS, 2));
    ModelRef first = importer.run(Origins.open(dir.toString()), "m", new Counting()).ref();
    ModelRef second = importer.run(Origins.open(dir.toString()), "m", new Counting()).ref();
    assertEquals(first, second);
  }

  @Test
  void publishedManifestsAreFoundAndCheckedAgainstTheRef() throws Exception {
    Files.write(dir.resolve("a"), new byte[100]);
    Importer.Result r = new Importer(new Importer.Config(CS, 1)).run(Origins.open(dir.toString()), "m", new Counting());
    ManifestStore store = new ManifestStore(Origins.open(dir.resolve(".modelfs/manifests").toString()));
    store.publish(r);

    assertEquals(r.manifest(), store.find(r.ref()).orElseThrow().manifest());
    assertEquals(dir.toUri().toString(), store.find(r.ref()).orElseThrow().sources().bindings().get(0).uri());
    assertTrue(store.find(new ModelRef("m", Digest.sha256(new byte[1]))).isEmpty());

    ManifestFormatException wrongName = assertThrows(ManifestFormatException.class,
        () -> store.find(new ModelRef("other", r.ref().digest())));
    assertTrue(wrongName.getMessage().contains("'m'"), wrongName.getMessage());

    Path stored = dir.resolve(".modelfs/manifests/" + r.ref().digest().hex() + ".manifest");
    byte[] tampered = Files.readAllBytes(stored);
    tampered[tampered.length - 1] ^= 1;
    Files.write(stored, tampered);
    ManifestFormatException e = assertThrows(ManifestFormatException.class, () -> store.find(r.ref()));
    assertTrue(e.getMessage().contains("hashes to"), e.getMessage());
  }

  @Test
  void anEmptyDirectoryIsNotAModel() {
    assertThrows(OriginException.NotFound.class,
        () -> new Importer(new Importer.Config(CS, 1)).run(Origins.open(dir.toString()), "m", new Counting()));
  }
}
