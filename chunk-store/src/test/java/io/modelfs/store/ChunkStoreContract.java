package io.modelfs.store;

import static io.modelfs.store.TestChunks.await;
import static io.modelfs.store.TestChunks.failureOf;
import static io.modelfs.store.TestChunks.recording;
import static io.modelfs.store.TestChunks.refOf;
import static io.modelfs.store.TestChunks.serving;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.modelfs.core.ChunkRef;
import io.modelfs.core.Digest;
import io.modelfs.store.ChunkStore.Priority;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link ChunkStore} must do, as written in its javadoc. An implementation's test
 * extends this and says how to open a store.
 */
abstract class ChunkStoreContract {
  static final int CHUNK = 64 << 10;

  final TestChunks chunks = new TestChunks();
  ChunkStore store;

  /** Opens a fresh, empty store whose loads run on {@code fetchThreads} threads, without a budget. */
  ChunkStore openStore(int fetchThreads) throws IOException {
    return openStore(fetchThreads, Long.MAX_VALUE);
  }

  /** Opens a fresh, empty store that keeps at most {@code budgetBytes} of chunks. */
  abstract ChunkStore openStore(int fetchThreads, long budgetBytes) throws IOException;

  @AfterEach
  void closeStore() throws IOException {
    if (store != null) {
      store.close();
    }
  }

  @Test
  void publishesAVerifiedChunkAndReadsItBack() throws Exception {
    store = openStore(4);
    byte[] data = chunks.bytes(CHUNK);
    ChunkRef chunk = refOf(data);
    assertFalse(store.contains(chunk.digest()));

    await(store.ensure(chunk, Priority.FOREGROUND, "origin test", serving(data)));

    assertTrue(store.contains(chunk.digest()));
    ByteBuffer all = ByteBuffer.allocate(CHUNK);
    assertEquals(CHUNK, store.read(chunk.digest(), 0, all));
    assertArrayEquals(data, all.array());
    ChunkStore.StoreStats stats = store.stats();
    assertEquals(List.of(1L, (long) CHUNK, 1L, 0L, 0L, (long) CHUNK, (long) CHUNK),
        List.of(stats.chunks(), stats.bytes(), stats.loads(), stats.loadFailures(), stats.verificationFailures(),
            stats.bytesIn(), stats.bytesOut()));
  }

  @Test
  void readsFromAnOffsetUntilTheBufferIsFullOrTheChunkEnds() throws Exception {
    store = openStore(4);
    byte[] data = chunks.bytes(CHUNK);
    ChunkRef chunk = refOf(data);
    await(store.ensure(chunk, Priority.FOREGROUND, "origin test", serving(data)));

    ByteBuffer middle = ByteBuffer.allocate(1000);
    assertEquals(1000, store.read(chunk.digest(), 5000, middle));
    assertArrayEquals(Arrays.copyOfRange(data, 5000, 6000), middle.array());

    ByteBuffer tail = ByteBuffer.allocateDirect(4096);
    assertEquals(100, store.read(chunk.digest(), CHUNK - 100, tail));
    tail.flip();
    byte[] tailBytes = new byte[tail.remaining()];
    tail.get(tailBytes);
    assertArrayEquals(Arrays.copyOfRange(data, CHUNK - 100, CHUNK), tailBytes);
  }

  @Test
  void readAtOrPastTheEndReturnsZero() throws Exception {
    store = openStore(4);
    byte[] data = chunks.bytes(CHUNK);
    ChunkRef chunk = refOf(data);
    await(store.ensure(chunk, Priority.FOREGROUND, "origin test", serving(data)));

    assertEquals(0, store.read(chunk.digest(), CHUNK, ByteBuffer.allocate(10)));
    assertEquals(0, store.read(chunk.digest(), CHUNK + 12345L, ByteBuffer.allocate(10)));
  }

  @Test
  void readOfAnUnpublishedChunkThrowsChunkNotFound() throws Exception {
    store = openStore(4);
    ChunkRef chunk = refOf(chunks.bytes(100));

    ChunkNotFoundException e = assertThrows(ChunkNotFoundException.class,
        () -> store.read(chunk.digest(), 0, ByteBuffer.allocate(10)));
    assertTrue(e.getMessage().contains(chunk.digest().hex()), e.getMessage());
  }

  @Test
  void ensureOfAPublishedChunkCompletesAtOnceWithoutLoading() throws Exception {
    store = openStore(4);
    byte[] data = chunks.bytes(CHUNK);
    ChunkRef chunk = refOf(data);
    await(store.ensure(chunk, Priority.FOREGROUND, "origin test", serving(data)));

    CompletableFuture<Void> again = store.ensure(chunk, Priority.PREFETCH, "origin test",
        (c, sink) -> { throw new AssertionError("loader called for a published chunk"); });

    assertTrue(again.isDone() && !again.isCompletedExceptionally());
    assertEquals(1, store.stats().loads());
  }

  @Test
  void concurrentEnsuresOfOneChunkRunTheLoaderOnce() throws Exception {
    store = openStore(4);
    byte[] data = chunks.bytes(CHUNK);
    ChunkRef chunk = refOf(data);
    AtomicInteger loaderRuns = new AtomicInteger();
    CountDownLatch allJoined = new CountDownLatch(1);
    ChunkLoader slow = (c, sink) -> {
      loaderRuns.incrementAndGet();
      try {
        allJoined.await(TestChunks.WAIT_SECONDS, SECONDS);
      } catch (InterruptedException e) {
        throw new InterruptedIOException("test loader interrupted");
      }
      serving(data).load(c, sink);
    };
    int callers = 16;
    ExecutorService pool = Executors.newFixedThreadPool(callers);
    try {
      CountDownLatch go = new CountDownLatch(1);
      List<Future<CompletableFuture<Void>>> calls = new ArrayList<>();
      for (int i = 0; i < callers; i++) {
        calls.add(pool.submit(() -> {
          go.await(TestChunks.WAIT_SECONDS, SECONDS);
          return store.ensure(chunk, Priority.READAHEAD, "peer node-" + Thread.currentThread().getId(), slow);
        }));
      }
      go.countDown();
      List<CompletableFuture<Void>> outcomes = new ArrayList<>();
      for (Future<CompletableFuture<Void>> call : calls) {
        outcomes.add(call.get(TestChunks.WAIT_SECONDS, SECONDS));
      }
      allJoined.countDown();
      for (CompletableFuture<Void> outcome : outcomes) {
        await(outcome);
      }
    } finally {
      pool.shutdownNow();
    }
    assertEquals(1, loaderRuns.get());
    assertEquals(1, store.stats().loads());
    assertTrue(store.contains(chunk.digest()));
  }

  @Test
  void rejectsChunkWhoseDigestDiffers() throws Exception {
    store = openStore(4);
    byte[] data = chunks.bytes(CHUNK);
    ChunkRef chunk = refOf(data);
    byte[] corrupt = data.clone();
    corrupt[CHUNK / 2] ^= 1;

    Throwable failure = failureOf(store.ensure(chunk, Priority.FOREGROUND, "peer node-7", serving(corrupt)));

    assertVerificationFailure(failure, chunk, "peer node-7", "got digest " + refOf(corrupt).digest().hex());
    assertFalse(store.contains(chunk.digest()));
    assertEquals(1, store.stats().verificationFailures());
    await(store.ensure(chunk, Priority.FOREGROUND, "origin test", serving(data)));
    assertTrue(store.contains(chunk.digest()));
  }

  @Test
  void rejectsChunkWithTooFewBytes() throws Exception {
    store = openStore(4);
    byte[] data = chunks.bytes(CHUNK);
    ChunkRef chunk = refOf(data);

    Throwable failure = failureOf(store.ensure(chunk, Priority.FOREGROUND, "peer node-7",
        serving(Arrays.copyOf(data, CHUNK - 1))));

    assertVerificationFailure(failure, chunk, "peer node-7", "got " + (CHUNK - 1) + " bytes, expected " + CHUNK);
    assertFalse(store.contains(chunk.digest()));
    await(store.ensure(chunk, Priority.FOREGROUND, "origin test", serving(data)));
    assertTrue(store.contains(chunk.digest()));
  }

  @Test
  void rejectsChunkWithTooManyBytesEvenIfTheLoaderSwallowsTheRefusal() throws Exception {
    store = openStore(4);
    byte[] data = chunks.bytes(CHUNK);
    ChunkRef chunk = refOf(data);
    ChunkLoader stubborn = (c, sink) -> {
      serving(data).load(c, sink);
      try {
        sink.write(ByteBuffer.wrap(new byte[1]));
      } catch (IOException ignored) {
        // a careless loader
      }
    };

    Throwable failure = failureOf(store.ensure(chunk, Priority.FOREGROUND, "peer node-7", stubborn));

    assertVerificationFailure(failure, chunk, "peer node-7", "got more than " + CHUNK + " bytes");
    assertFalse(store.contains(chunk.digest()));
  }

  @Test
  void loaderExceptionFailsTheFutureAndALaterEnsureRetries() throws Exception {
    store = openStore(4);
    byte[] data = chunks.bytes(CHUNK);
    ChunkRef chunk = refOf(data);
    IOException down = new IOException("origin s3://bucket/model/ unreachable");

    Throwable failure = failureOf(store.ensure(chunk, Priority.FOREGROUND, "origin s3://bucket/model/",
        (c, sink) -> { throw down; }));

    assertSame(down, failure);
    assertFalse(store.contains(chunk.digest()));
    assertEquals(1, store.stats().loadFailures());
    await(store.ensure(chunk, Priority.FOREGROUND, "origin s3://bucket/model/", serving(data)));
    assertTrue(store.contains(chunk.digest()));
    ChunkStore.StoreStats stats = store.stats();
    assertEquals(List.of(1L, (long) CHUNK, 2L, 1L, 0L),
        List.of(stats.chunks(), stats.bytes(), stats.loads(), stats.loadFailures(), stats.verificationFailures()));
  }

  @Test
  void foregroundLoadRunsBeforeAnEarlierQueuedPrefetch() throws Exception {
    store = openStore(1);
    TestChunks.Gate gate = blockTheOnlyFetchThread();
    List<String> order = Collections.synchronizedList(new ArrayList<>());
    byte[] prefetchData = chunks.bytes(CHUNK);
    byte[] foregroundData = chunks.bytes(CHUNK);

    CompletableFuture<Void> prefetch = store.ensure(refOf(prefetchData), Priority.PREFETCH, "origin test",
        recording("prefetch", order, prefetchData));
    CompletableFuture<Void> foreground = store.ensure(refOf(foregroundData), Priority.FOREGROUND, "origin test",
        recording("foreground", order, foregroundData));
    gate.release();
    await(prefetch);
    await(foreground);

    assertEquals(List.of("foreground", "prefetch"), order);
  }

  @Test
  void foregroundEnsurePromotesAQueuedPrefetchWhichStillLoadsOnce() throws Exception {
    store = openStore(1);
    TestChunks.Gate gate = blockTheOnlyFetchThread();
    List<String> order = Collections.synchronizedList(new ArrayList<>());
    byte[] a = chunks.bytes(CHUNK);
    byte[] b = chunks.bytes(CHUNK);
    byte[] last = chunks.bytes(CHUNK);

    CompletableFuture<Void> aPrefetch = store.ensure(refOf(a), Priority.PREFETCH, "origin test", recording("a", order, a));
    CompletableFuture<Void> bReadahead = store.ensure(refOf(b), Priority.READAHEAD, "origin test", recording("b", order, b));
    CompletableFuture<Void> aForeground = store.ensure(refOf(a), Priority.FOREGROUND, "origin test", recording("a", order, a));
    // Queued after a's original PREFETCH entry, so it runs after that entry has been dealt with.
    CompletableFuture<Void> lastPrefetch = store.ensure(refOf(last), Priority.PREFETCH, "origin test",
        recording("last", order, last));
    gate.release();
    for (CompletableFuture<Void> f : List.of(aPrefetch, bReadahead, aForeground, lastPrefetch)) {
      await(f);
    }

    assertEquals(List.of("a", "b", "last"), order);
    assertEquals(4, store.stats().loads()); // the gate, a, b, last
  }

  @Test
  void closeFailsQueuedAndRunningLoads() throws Exception {
    store = openStore(1);
    byte[] running = chunks.bytes(CHUNK);
    TestChunks.Gate gate = new TestChunks.Gate(running);
    CompletableFuture<Void> runningLoad = store.ensure(refOf(running), Priority.FOREGROUND, "origin test", gate);
    gate.awaitStarted();
    byte[] queued = chunks.bytes(CHUNK);
    CompletableFuture<Void> queuedLoad = store.ensure(refOf(queued), Priority.PREFETCH, "origin test", serving(queued));

    store.close();

    for (CompletableFuture<Void> f : List.of(runningLoad, queuedLoad)) {
      Throwable failure = failureOf(f);
      assertInstanceOf(IOException.class, failure);
      assertTrue(failure.getMessage().contains("is closed"), failure.getMessage());
    }
    byte[] late = chunks.bytes(100);
    Throwable failure = failureOf(store.ensure(refOf(late), Priority.FOREGROUND, "origin test", serving(late)));
    assertTrue(failure.getMessage().contains("is closed"), failure.getMessage());
  }

  @Test
  void countsHitsAndMisses() throws Exception {
    store = openStore(2);
    byte[] data = chunks.bytes(CHUNK);
    ChunkRef chunk = refOf(data);

    await(store.ensure(chunk, Priority.FOREGROUND, "origin test", serving(data)));
    await(store.ensure(chunk, Priority.FOREGROUND, "origin test", serving(data)));
    assertTrue(store.contains(chunk.digest()));

    assertEquals(1, store.stats().misses());
    assertEquals(2, store.stats().hits());
  }

  @Test
  void evictsLeastRecentlyUsedChunksToStayWithinBudgetAndTellsListeners() throws Exception {
    store = openStore(1, 3L * CHUNK);
    List<Digest> evicted = Collections.synchronizedList(new ArrayList<>());
    store.addEvictionListener((digest, size) -> evicted.add(digest));
    List<ChunkRef> refs = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      byte[] data = chunks.bytes(CHUNK);
      refs.add(refOf(data));
      await(store.ensure(refOf(data), Priority.PREFETCH, "origin test", serving(data)));
      clockTick();
    }
    store.read(refs.get(0).digest(), 0, ByteBuffer.allocate(10)); // 0 is now more recent than 1 and 2
    clockTick();

    byte[] fourth = chunks.bytes(CHUNK);
    await(store.ensure(refOf(fourth), Priority.PREFETCH, "origin test", serving(fourth)));

    assertEquals(List.of(refs.get(1).digest()), evicted);
    assertFalse(store.contains(refs.get(1).digest()));
    assertTrue(store.contains(refs.get(0).digest()) && store.contains(refs.get(2).digest()));
    assertEquals(3L * CHUNK, store.stats().bytes());
    assertEquals(1, store.stats().evictions());
  }

  @Test
  void pinnedChunksAreNotEvictedUntilUnpinned() throws Exception {
    store = openStore(1, 2L * CHUNK);
    byte[] a = chunks.bytes(CHUNK);
    byte[] b = chunks.bytes(CHUNK);
    ChunkStore.Pin pin = store.pin(List.of(refOf(a).digest()));
    store.pin("model-b@test", List.of(refOf(b).digest()));
    await(store.ensure(refOf(a), Priority.PREFETCH, "origin test", serving(a)));
    await(store.ensure(refOf(b), Priority.PREFETCH, "origin test", serving(b)));

    byte[] c = chunks.bytes(CHUNK);
    await(store.ensure(refOf(c), Priority.PREFETCH, "origin test", serving(c)));

    assertTrue(store.contains(refOf(a).digest()) && store.contains(refOf(b).digest()));
    assertFalse(store.contains(refOf(c).digest()), "the only unpinned chunk goes to keep the budget");
    assertEquals(Set.of(refOf(b).digest()), store.namedPins().get("model-b@test"));
    pin.close();
    pin.close();
    assertTrue(store.unpin("model-b@test"));
    assertFalse(store.unpin("model-b@test"));
    ChunkStore.GcReport report = store.gc(0);
    assertEquals(2, report.chunksEvicted());
    assertEquals(2L * CHUNK, report.bytesFreed());
    assertEquals(0, store.stats().bytes());
  }

  @Test
  void gcReportsNothingWhenEverythingIsPinned() throws Exception {
    store = openStore(1);
    byte[] a = chunks.bytes(CHUNK);
    await(store.ensure(refOf(a), Priority.PREFETCH, "origin test", serving(a)));
    ChunkStore.Pin pin = store.pin(List.of(refOf(a).digest()));
    assertEquals(new ChunkStore.GcReport(0, 0, 1, CHUNK), store.gc(0));
    assertEquals(1, store.list().get(0).pins());
    pin.close();
    assertEquals(new ChunkStore.GcReport(1, CHUNK, 0, 0), store.gc(0));
  }

  @Test
  void listsStoredChunksLeastRecentlyUsedFirst() throws Exception {
    store = openStore(1);
    byte[] a = chunks.bytes(CHUNK);
    byte[] b = chunks.bytes(100);
    await(store.ensure(refOf(a), Priority.PREFETCH, "origin test", serving(a)));
    clockTick();
    await(store.ensure(refOf(b), Priority.PREFETCH, "origin test", serving(b)));

    List<ChunkStore.StoredChunk> all = store.list();
    assertEquals(List.of(refOf(a).digest(), refOf(b).digest()), all.stream().map(ChunkStore.StoredChunk::digest).toList());
    assertEquals(100, all.get(1).size());
  }

  @Test
  void verifyOfIntactChunksReportsNothingCorrupt() throws Exception {
    store = openStore(1);
    byte[] a = chunks.bytes(CHUNK);
    await(store.ensure(refOf(a), Priority.PREFETCH, "origin test", serving(a)));

    assertEquals(new ChunkStore.VerifyReport(1, CHUNK, List.of()), store.verify(List.of()));
    assertEquals(new ChunkStore.VerifyReport(0, 0, List.of()), store.verify(List.of(refOf(chunks.bytes(10)).digest())));
  }

  @Test
  void concurrentEnsuresOfOneChunkAllGetTheLoadersError() throws Exception {
    store = openStore(1);
    TestChunks.Gate gate = blockTheOnlyFetchThread();
    ChunkRef chunk = refOf(chunks.bytes(CHUNK));
    IOException down = new IOException("origin s3://bucket/model/ answered 503");
    AtomicInteger loaderRuns = new AtomicInteger();
    ChunkLoader failing = (c, sink) -> {
      loaderRuns.incrementAndGet();
      throw down;
    };
    List<CompletableFuture<Void>> waiters = new ArrayList<>();
    for (Priority p : List.of(Priority.PREFETCH, Priority.READAHEAD, Priority.FOREGROUND)) {
      waiters.add(store.ensure(chunk, p, "origin s3://bucket/model/", failing));
    }
    gate.release();

    for (CompletableFuture<Void> waiter : waiters) {
      assertSame(down, failureOf(waiter));
    }
    assertEquals(1, loaderRuns.get());
    assertFalse(store.contains(chunk.digest()));
  }

  @Test
  void verifyDropsACorruptChunkTellsListenersAndTheNextEnsureFetchesItAgain() throws Exception {
    store = openStore(2);
    byte[] data = chunks.bytes(CHUNK);
    ChunkRef chunk = refOf(data);
    byte[] other = chunks.bytes(CHUNK);
    await(store.ensure(chunk, Priority.FOREGROUND, "origin test", serving(data)));
    await(store.ensure(refOf(other), Priority.FOREGROUND, "origin test", serving(other)));
    List<Digest> evicted = Collections.synchronizedList(new ArrayList<>());
    store.addEvictionListener((d, size) -> evicted.add(d));
    corruptStoredChunk(chunk.digest());
    ByteBuffer served = ByteBuffer.allocate(CHUNK);
    store.read(chunk.digest(), 0, served);
    assertFalse(Arrays.equals(data, served.array()), "reads do not re-hash published chunks: that is verify's job");

    ChunkStore.VerifyReport report = store.verify(List.of());

    assertEquals(new ChunkStore.VerifyReport(2, 2L * CHUNK, List.of(chunk.digest())), report);
    assertEquals(List.of(chunk.digest()), evicted);
    assertFalse(store.contains(chunk.digest()));
    assertTrue(store.contains(refOf(other).digest()));
    assertEquals(1, store.stats().verificationFailures());
    assertThrows(ChunkNotFoundException.class, () -> store.read(chunk.digest(), 0, ByteBuffer.allocate(1)));
    await(store.ensure(chunk, Priority.FOREGROUND, "origin test", serving(data)));
    ByteBuffer all = ByteBuffer.allocate(CHUNK);
    assertEquals(CHUNK, store.read(chunk.digest(), 0, all));
    assertArrayEquals(data, all.array());
  }

  @Test
  void badArgumentsAreRejectedNamingTheValue() throws Exception {
    store = openStore(1);
    byte[] data = chunks.bytes(100);
    await(store.ensure(refOf(data), Priority.FOREGROUND, "origin test", serving(data)));

    IllegalArgumentException read = assertThrows(IllegalArgumentException.class,
        () -> store.read(refOf(data).digest(), -1, ByteBuffer.allocate(1)));
    assertTrue(read.getMessage().contains("negative offset -1"), read.getMessage());
    IllegalArgumentException gc = assertThrows(IllegalArgumentException.class, () -> store.gc(-5));
    assertTrue(gc.getMessage().contains("negative size -5"), gc.getMessage());
    NullPointerException source = assertThrows(NullPointerException.class,
        () -> store.ensure(refOf(data), Priority.FOREGROUND, null, serving(data)));
    assertTrue(source.getMessage().contains("source for chunk"), source.getMessage());
  }

  /** Lets the store's clock move on, so that access times differ. */
  abstract void clockTick();

  /** Damages the stored bytes of a published chunk behind the store's back (bit rot). */
  abstract void corruptStoredChunk(Digest digest) throws IOException;

  /** Occupies the store's single fetch thread until the returned gate is released. */
  TestChunks.Gate blockTheOnlyFetchThread() throws InterruptedException {
    byte[] data = chunks.bytes(CHUNK);
    TestChunks.Gate gate = new TestChunks.Gate(data);
    store.ensure(refOf(data), Priority.FOREGROUND, "origin test", gate);
    gate.awaitStarted();
    return gate;
  }

  static void assertVerificationFailure(Throwable failure, ChunkRef chunk, String source, String what) {
    ChunkVerificationException e = assertInstanceOf(ChunkVerificationException.class, failure);
    assertEquals("chunk " + chunk.digest().hex() + " from " + source + " failed verification: " + what, e.getMessage());
  }
}
