package io.modelfs.p2p;

import io.modelfs.core.ChunkRef;
import io.modelfs.core.Digest;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.util.ArrayList;
import java.util.List;

/**
 * The interim peer policy until the swarm scheduler (#8) replaces it: ask the least busy peer
 * that announced the chunk; if it refuses, stalls or disconnects mid-chunk, ask the next one for
 * the rest (from the byte where the first stopped), up to {@code maxPeers} peers. Kept apart
 * from the protocol so the scheduler can take its place.
 *
 * <p>Thread-safety: stateless; {@link #fetch} blocks the calling thread.
 */
public final class PeerFetcher {
  private final Swarm swarm;
  private final int maxPeers;

  public PeerFetcher(Swarm swarm, int maxPeers) {
    this.swarm = swarm;
    this.maxPeers = maxPeers;
  }

  /**
   * Writes the whole of {@code chunk} to {@code sink} from peers holding chunk {@code index} of
   * {@code model}, adding to {@code contributors} each peer that sent bytes (so the caller can
   * penalise them if the bytes fail verification). Throws the last peer's PeerFetchException when
   * no peer completed it, or NOT_FOUND if none holds it.
   */
  public void fetch(Digest model, int index, ChunkRef chunk, WritableByteChannel sink, List<String> contributors)
      throws IOException {
    List<String> holders = swarm.holders(model, index);
    if (holders.isEmpty()) {
      throw new PeerFetchException(PeerFetchException.Reason.NOT_FOUND, "no connected peer holds chunk " + index
          + " (" + chunk.digest().shortHex() + ") of model " + model.shortHex());
    }
    Counting counted = new Counting(sink);
    PeerFetchException last = null;
    List<String> tried = new ArrayList<>();
    for (String peer : holders.subList(0, Math.min(maxPeers, holders.size()))) {
      long before = counted.written;
      tried.add(peer);
      try {
        swarm.fetch(peer, chunk, before, (int) (chunk.size() - before), counted);
        contributors.add(peer);
        return;
      } catch (PeerFetchException e) {
        last = e;
        if (counted.written > before) {
          contributors.add(peer);
        }
      }
    }
    throw new PeerFetchException(last.reason(), "chunk " + index + " of model " + model.shortHex() + " from peers "
        + tried + ": " + last.getMessage());
  }

  /** Counts what reached the sink, so a retry resumes where the last peer stopped. */
  private static final class Counting implements WritableByteChannel {
    private final WritableByteChannel sink;
    long written;

    Counting(WritableByteChannel sink) {
      this.sink = sink;
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
      int n = sink.write(src);
      written += n;
      return n;
    }

    @Override
    public boolean isOpen() {
      return sink.isOpen();
    }

    @Override
    public void close() throws IOException {
      sink.close();
    }
  }
}
