package io.modelfs.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.modelfs.core.Digest;
import io.modelfs.core.FileEntry;
import io.modelfs.core.Manifest;
import io.modelfs.core.ModelRef;
import io.modelfs.core.Sources;
import io.modelfs.schedule.Need;
import io.modelfs.schedule.SchedulerConfig;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The driver's bounds: a blocked reader gets an error, never a hang. */
@Timeout(60)
class FetchDriverTest {
  private static final int CS = 64 << 10;
  private static final FileEntry FILE = new FileEntry("weights.bin", 2L * CS, 0644,
      List.of(Digest.sha256(new byte[] {1}), Digest.sha256(new byte[] {2})));
  private static final Manifest MANIFEST = new Manifest(Manifest.FORMAT_VERSION, "m", CS, List.of(FILE));
  private static final ModelChunks CHUNKS = new ModelChunks(new ModelRef("m", Digest.sha256(new byte[] {7})), MANIFEST);
  private static final Sources SOURCES = new Sources(List.of(new Sources.Binding("file:///nowhere/", Map.of("weights.bin", "v1"))));

  private final StuckStore store = new StuckStore();
  private final FetchDriver driver = new FetchDriver("n1", SchedulerConfig.defaults(), store, SwarmLink.NONE);

  @AfterEach
  void close() {
    driver.close();
  }

  @Test
  void aChunkThatNeverArrivesFailsTheReadAfterTheReadTimeout() {
    driver.open(CHUNKS, new ModelLoader(store, SOURCES, CS, 4, ModelLoader.newOriginCache()));
    long start = System.nanoTime();
    IOException e = assertThrows(IOException.class, () -> driver.await(CHUNKS, 1, Need.FOREGROUND, Duration.ofMillis(300)));
    long millis = (System.nanoTime() - start) / 1_000_000;
    assertTrue(millis >= 300 && millis < 5_000, "failed after " + millis + " ms");
    assertTrue(e.getMessage().contains("weights.bin") && e.getMessage().contains("timed out"), e.getMessage());
    assertTrue(store.ensures.get() >= 1, "the scheduler asked the origin");
  }

  @Test
  void anOriginThatFailsForGoodFailsTheReaderBeforeTheTimeout() {
    store.failWith = new IOException("bucket says 404");
    driver.open(CHUNKS, new ModelLoader(store, SOURCES, CS, 2, ModelLoader.newOriginCache()));
    long start = System.nanoTime();
    IOException e = assertThrows(IOException.class, () -> driver.await(CHUNKS, 0, Need.FOREGROUND, Duration.ofSeconds(30)));
    long millis = (System.nanoTime() - start) / 1_000_000;
    assertTrue(millis < 10_000, "failed after " + millis + " ms");
    assertTrue(e.getMessage().contains("bucket says 404") && e.getMessage().contains("weights.bin"), e.getMessage());
    assertEquals(2, store.ensures.get(), "two attempts at the one binding");
  }
}
