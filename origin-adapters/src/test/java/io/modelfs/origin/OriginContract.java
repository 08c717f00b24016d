package io.modelfs.origin;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.modelfs.core.Digest;
import io.modelfs.core.ModelRef;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.nio.channels.Channels;
import java.nio.channels.WritableByteChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The {@link Origin} contract, run against every implementation: a subclass gives an origin over
 * an empty writable prefix, a way to store objects behind its back, and an origin of a bucket
 * that does not exist. Parts are small (64 KiB, 4 at once) so the parallel ranged path runs.
 */
abstract class OriginContract {
  static final OriginSettings SMALL_PARTS = OriginSettings.defaults().withParts(64 << 10, 4);

  /** An origin over an empty prefix that {@link #store} writes into. */
  abstract Origin open() throws Exception;

  /** Stores an object under the prefix as the provider's own tools would (not through the origin). */
  void store(Origin origin, String path, byte[] bytes) throws Exception {
    origin.put(path, bytes);
  }

  /** An origin whose bucket (container, directory) does not exist. */
  abstract Origin openMissingBucket() throws Exception;

  /** Whether the origin can tell a missing bucket when listing (the GCS in-memory fake cannot). */
  boolean listsMissingBucketAsNotFound() {
    return true;
  }

  static final Importer.Listener NO_PROGRESS = new Importer.Listener() {
    @Override
    public void started(long totalBytes, int files) {}

    @Override
    public void hashed(long bytes) {}
  };

  Origin origin;

  @BeforeEach
  void openOrigin() throws Exception {
    origin = open();
  }

  @AfterEach
  void closeOrigin() throws Exception {
    if (origin != null) {
      origin.close();
    }
  }

  static byte[] random(int size, long seed) {
    byte[] b = new byte[size];
    new Random(seed).nextBytes(b);
    return b;
  }

  static byte[] read(Origin o, String path, String version, long offset, long length) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    o.read(path, version, offset, length, Channels.newChannel(out));
    return out.toByteArray();
  }

  @Test
  void listsObjectsSortedWithSizesAndVersionsButNotTheManifestsFolder() throws Exception {
    store(origin, "b.bin", random(1000, 1));
    store(origin, "sub/deep/a.bin", random(10, 2));
    store(origin, ".modelfs/manifests/x.manifest", new byte[] {1});
    List<ObjectInfo> list = origin.list();
    assertEquals(List.of("b.bin", "sub/deep/a.bin"), list.stream().map(ObjectInfo::path).toList());
    assertEquals(1000, list.get(0).size());
    assertEquals(10, list.get(1).size());
    assertEquals(origin.stat("b.bin"), list.get(0));
    assertFalse(list.get(0).version().isEmpty());
    assertTrue(origin.uri().toString().endsWith("/"), origin.uri().toString());
  }

  @Test
  void readsTheExactBytesOfARange() throws Exception {
    byte[] data = random(300_000, 3);
    store(origin, "w.bin", data);
    String version = origin.stat("w.bin").version();
    assertArrayEquals(Arrays.copyOfRange(data, 1234, 1234 + 777), read(origin, "w.bin", version, 1234, 777));
    assertArrayEquals(Arrays.copyOfRange(data, 299_999, 300_000), read(origin, "w.bin", version, 299_999, 1));
  }

  @Test
  void readsALongRangeAsParallelPartsInOrder() throws Exception {
    byte[] data = random((1 << 20) + 12345, 4);
    store(origin, "big.bin", data);
    String version = origin.stat("big.bin").version();
    assertArrayEquals(Arrays.copyOfRange(data, 100, data.length), read(origin, "big.bin", version, 100, data.length - 100));
  }

  @Test
  void missingKeyIsNotFoundNamingTheObject() throws Exception {
    store(origin, "here.bin", new byte[] {1});
    OriginException.NotFound e = assertThrows(OriginException.NotFound.class, () -> origin.stat("absent.bin"));
    assertTrue(e.uri().toString().endsWith("absent.bin"), e.uri().toString());
    assertThrows(OriginException.NotFound.class, () -> read(origin, "absent.bin", null, 0, 1));
    assertThrows(OriginException.NotFound.class, () -> origin.readAll("absent.bin", 100));
  }

  @Test
  void missingBucketIsNotFound() throws Exception {
    try (Origin missing = openMissingBucket()) {
      assertThrows(OriginException.NotFound.class, () -> missing.stat("a.bin"));
      assertThrows(OriginException.NotFound.class, () -> read(missing, "a.bin", null, 0, 1));
      if (listsMissingBucketAsNotFound()) {
        assertThrows(OriginException.NotFound.class, missing::list);
      }
    }
  }

  @Test
  void objectChangedAfterImportIsChangedNotOtherBytes() throws Exception {
    store(origin, "m.bin", random(5000, 5));
    String imported = origin.stat("m.bin").version();
    store(origin, "m.bin", random(5000, 6));
    String now = origin.stat("m.bin").version();
    assertNotEquals(imported, now);
    if (!enforcesVersionOnRead()) {
      return;
    }
    OriginException.Changed e = assertThrows(OriginException.Changed.class, () -> read(origin, "m.bin", imported, 0, 100));
    assertTrue(e.getMessage().contains(imported), e.getMessage());
    assertArrayEquals(Arrays.copyOf(random(5000, 6), 100), read(origin, "m.bin", now, 0, 100));
  }

  /** Whether the store enforces a read's precondition (the in-memory GCS fake ignores it). */
  boolean enforcesVersionOnRead() {
    return true;
  }

  /** Whether {@link Origin#put} stores (HTTPS origins are read-only). */
  boolean writable() {
    return true;
  }

  @Test
  void putThenReadAllRoundTripsAndReadAllRefusesLargeObjects() throws Exception {
    store(origin, "large.bin", new byte[100]);
    assertThrows(OriginException.Permanent.class, () -> origin.readAll("large.bin", 99));
    assertEquals(100, origin.readAll("large.bin", 100).length);
    if (!writable()) {
      assertThrows(OriginException.Permanent.class, () -> origin.put("x.manifest", new byte[] {1}));
      return;
    }
    origin.put(".modelfs/manifests/abc.manifest", new byte[] {1, 2, 3});
    assertArrayEquals(new byte[] {1, 2, 3}, origin.readAll(".modelfs/manifests/abc.manifest", 10));
    origin.put(".modelfs/manifests/abc.manifest", new byte[] {4});
    assertArrayEquals(new byte[] {4}, origin.readAll(".modelfs/manifests/abc.manifest", 10));
  }

  @Test
  void throttlingIsRetriedWithBackoffThenGivenUpWithinItsBounds() throws Exception {
    byte[] data = random(70_000, 7);
    store(origin, "t.bin", data);
    String version = origin.stat("t.bin").version();
    List<Duration> slept = new ArrayList<>();
    Faulty faulty = new Faulty(origin, 3, false);
    RetryingOrigin retrying = retrying(faulty, 5, slept);
    assertArrayEquals(data, read(retrying, "t.bin", version, 0, data.length));
    assertEquals(3, slept.size());
    assertTrue(slept.stream().allMatch(d -> d.toMillis() <= 10_000), slept.toString());

    Faulty always = new Faulty(origin, Integer.MAX_VALUE, false);
    slept.clear();
    assertThrows(OriginException.Throttled.class, () -> read(retrying(always, 4, slept), "t.bin", version, 0, 10));
    assertEquals(3, slept.size());
    assertEquals(4, always.calls.get());
  }

  @Test
  void aReadCutOffMidStreamResumesAfterWhatArrived() throws Exception {
    byte[] data = random(200_000, 8);
    store(origin, "c.bin", data);
    String version = origin.stat("c.bin").version();
    Faulty cut = new Faulty(origin, 2, true);
    assertArrayEquals(Arrays.copyOfRange(data, 10, 190_010),
        read(retrying(cut, 5, new ArrayList<>()), "c.bin", version, 10, 190_000));
  }

  @Test
  void importBuildsAManifestWhoseChunksReadBackThroughTheOrigin() throws Exception {
    byte[] weights = random(300_000, 9);
    store(origin, "model.safetensors", weights);
    store(origin, "config.json", "{}".getBytes());
    Importer.Result result = new Importer(new Importer.Config(65536, 2)).run(origin, "m", NO_PROGRESS);
    assertEquals(List.of("config.json", "model.safetensors"),
        result.manifest().files().stream().map(f -> f.path()).toList());
    assertEquals(origin.stat("model.safetensors").version(),
        result.sources().bindings().get(0).versions().get("model.safetensors"));
    var file = result.manifest().files().get(1);
    assertEquals(Digest.sha256(Arrays.copyOfRange(weights, 65536, 131072)), file.chunks().get(1));

    try (Origin manifests = Origins.wrap(manifestsLocation(), SMALL_PARTS)) {
      ModelRef ref = new ManifestStore(manifests).publish(result);
      assertEquals(result.manifest(), new ManifestStore(manifests).find(ref).orElseThrow().manifest());
    }
  }

  /** Where import publishes: the prefix's {@code .modelfs/manifests/}, opened through {@link Origins}. */
  abstract Origin manifestsLocation() throws Exception;

  static RetryingOrigin retrying(Origin inner, int attempts, List<Duration> slept) {
    return new RetryingOrigin(inner, new RetryingOrigin.Policy(attempts, Duration.ofMinutes(5), Duration.ofMillis(100),
        Duration.ofMillis(500), Duration.ofSeconds(10)), slept::add, System::nanoTime, RandomGenerator.of("L64X128MixRandom"));
  }

  /**
   * Injects failures before the real origin: the first {@code failures} reads throw {@code
   * Throttled} (as a 503 SlowDown would map), or, with {@code cutOff}, deliver half the range and
   * then fail as a dropped connection does.
   */
  static final class Faulty implements Origin {
    final Origin inner;
    final int failures;
    final boolean cutOff;
    final AtomicInteger calls = new AtomicInteger();

    Faulty(Origin inner, int failures, boolean cutOff) {
      this.inner = inner;
      this.failures = failures;
      this.cutOff = cutOff;
    }

    @Override
    public URI uri() {
      return inner.uri();
    }

    @Override
    public List<ObjectInfo> list() throws IOException {
      return inner.list();
    }

    @Override
    public ObjectInfo stat(String path) throws IOException {
      return inner.stat(path);
    }

    @Override
    public void read(String path, String version, long offset, long length, WritableByteChannel sink)
        throws IOException {
      if (calls.incrementAndGet() > failures) {
        inner.read(path, version, offset, length, sink);
        return;
      }
      if (!cutOff) {
        throw new OriginException.Throttled(inner.uri().resolve(path), "HTTP 503 SlowDown (injected)", null);
      }
      long half = length / 2;
      inner.read(path, version, offset, half, sink);
      throw new OriginException.Transient(inner.uri().resolve(path), "connection reset after " + half
          + " bytes (injected)", null);
    }

    @Override
    public byte[] readAll(String path, int maxBytes) throws IOException {
      return inner.readAll(path, maxBytes);
    }

    @Override
    public void put(String path, byte[] bytes) throws IOException {
      inner.put(path, bytes);
    }
  }
}
