package io.modelfs.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.modelfs.agent.metrics.LeaseMetrics;
import io.modelfs.core.Digest;
import io.modelfs.schedule.ChunkId;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The driver's lease account: leases held, waits and their length, as the metrics see them. */
class LeaseBookTest {
  private static final Digest MODEL = Digest.sha256("model".getBytes(StandardCharsets.UTF_8));
  private static final long MS = 1_000_000;

  private final List<Duration> waits = new ArrayList<>();
  private int granted;
  private int started;
  private final LeaseBook book = new LeaseBook();

  {
    book.use(new LeaseMetrics() {
      @Override public void requested(Outcome outcome, Duration took) {}
      @Override public void granted(int leases) { granted += leases; }
      @Override public void waitStarted() { started++; }
      @Override public void waitEnded(Duration waited) { waits.add(waited); }
      @Override public void unleasedFallback() {}
    });
  }

  @Test
  void grantedLeasesAreHeldUntilFetchedOrGivenBack() {
    book.answered(MODEL, List.of(0, 1, 2), List.of(), List.of(), 0);
    assertEquals(3, book.held());
    assertEquals(3, granted);
    book.fetchEnded(new ChunkId(MODEL, 0), 1);
    book.released(MODEL, List.of(1));
    assertEquals(1, book.held());
    book.fetchEnded(new ChunkId(MODEL, 7), 1); // never leased: nothing changes
    assertEquals(1, book.held());
  }

  @Test
  void aBusyChunkWaitsFromItsFirstBusyAnswerUntilGrantedFoundOnPeersOrFetched() {
    book.answered(MODEL, List.of(), List.of(), List.of(4, 5, 6), 0);
    book.answered(MODEL, List.of(), List.of(), List.of(4), 100 * MS); // still waiting: counted once
    assertEquals(3, started);
    book.answered(MODEL, List.of(4), List.of(5), List.of(), 250 * MS);
    book.fetchEnded(new ChunkId(MODEL, 6), 400 * MS);
    assertEquals(List.of(Duration.ofMillis(250), Duration.ofMillis(250), Duration.ofMillis(400)), waits);
    assertEquals(1, book.held());
  }
}
