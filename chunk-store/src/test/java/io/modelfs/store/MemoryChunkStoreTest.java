package io.modelfs.store;

import static io.modelfs.store.TestChunks.await;
import static io.modelfs.store.TestChunks.refOf;
import static io.modelfs.store.TestChunks.serving;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.modelfs.core.Digest;
import io.modelfs.store.ChunkStore.Priority;
import java.io.IOException;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/** The contract on the in-memory twin, plus what it adds. */
class MemoryChunkStoreTest extends ChunkStoreContract {
  final StepClock clock = new StepClock();

  @Override
  ChunkStore openStore(int fetchThreads, long budgetBytes) {
    return MemoryChunkStore.create(fetchThreads, budgetBytes, clock);
  }

  @Override
  void clockTick() {
    clock.tick();
  }

  @Override
  void corruptStoredChunk(Digest digest) {
    assertTrue(((MemoryChunkStore) store).corrupt(digest));
  }

  @Test
  void corruptIsFalseForAChunkItDoesNotHold() {
    store = MemoryChunkStore.create();
    assertFalse(((MemoryChunkStore) store).corrupt(refOf(chunks.bytes(10)).digest()));
  }

  @Test
  void readAfterCloseFailsNamingTheStore() throws Exception {
    store = MemoryChunkStore.create();
    byte[] data = chunks.bytes(CHUNK);
    await(store.ensure(refOf(data), Priority.FOREGROUND, "origin test", serving(data)));
    store.close();

    IOException e = assertThrows(IOException.class, () -> store.read(refOf(data).digest(), 0, ByteBuffer.allocate(1)));
    assertTrue(e.getMessage().contains("in-memory chunk store") && e.getMessage().contains("closed"), e.getMessage());
  }

  @Test
  void createRejectsNonsenseWithTheValues() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> MemoryChunkStore.create(0, 10, clock));
    assertTrue(e.getMessage().contains("got 0 and 10"), e.getMessage());
  }
}
