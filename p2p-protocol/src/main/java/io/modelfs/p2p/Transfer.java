package io.modelfs.p2p;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongConsumer;

/**
 * One chunk request in flight on the receiving side: the event loop {@link #offer}s the bytes as
 * they arrive, the caller's thread {@link #drainTo drains} them into its sink (the store's
 * verifying sink, which hashes and writes them). The handoff is a queue of retained buffers, not
 * a copy; the connection's backpressure ({@code drained}) stops reading from the socket while too
 * many bytes wait here.
 *
 * <p>Thread-safety: {@code offer} and {@code fail} from the event loop, {@code drainTo} from one
 * caller thread.
 */
final class Transfer {
  private final long id;
  private final int length;
  private final String what;
  private final LongConsumer drained;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  private final ArrayDeque<DataBytes> queue = new ArrayDeque<>();
  private long received;
  private PeerFetchException failure;
  private boolean abandoned;

  /**
   * @param what names the chunk and the peer, for errors
   * @param drained told the {@link DataBytes#cost} of each run that left the queue (written or discarded)
   */
  Transfer(long id, int length, String what, LongConsumer drained) {
    this.id = id;
    this.length = length;
    this.what = what;
    this.drained = drained;
  }

  long id() {
    return id;
  }

  int length() {
    return length;
  }

  /** Takes ownership of {@code bytes}; returns true when the last byte of the request arrived. */
  boolean offer(DataBytes bytes) {
    lock.lock();
    try {
      received += bytes.content().readableBytes();
      if (abandoned || failure != null) {
        bytes.release();
        drained.accept(bytes.cost());
      } else {
        queue.add(bytes);
        changed.signalAll();
      }
      return received >= length;
    } finally {
      lock.unlock();
    }
  }

  /** Fails the request unless every byte already arrived. */
  void fail(PeerFetchException e) {
    lock.lock();
    try {
      if (received < length && failure == null) {
        failure = e;
        changed.signalAll();
      }
    } finally {
      lock.unlock();
    }
  }

  /**
   * Writes the request's bytes to {@code sink} as they arrive; returns when all {@code length}
   * were written. Throws PeerFetchException on a refusal, a disconnect or {@code stall} without
   * a byte; or the sink's IOException. Either way, bytes still queued are released.
   */
  void drainTo(WritableByteChannel sink, long stallNanos) throws IOException {
    long written = 0;
    try {
      while (written < length) {
        DataBytes next = take(stallNanos);
        try {
          for (ByteBuffer b : next.content().nioBuffers()) {
            while (b.hasRemaining()) {
              sink.write(b);
            }
          }
          written += next.content().readableBytes();
        } finally {
          next.release();
          drained.accept(next.cost());
        }
      }
    } finally {
      abandon();
    }
  }

  private DataBytes take(long stallNanos) throws PeerFetchException {
    lock.lock();
    try {
      long left = stallNanos;
      while (queue.isEmpty()) {
        if (failure != null) {
          throw failure;
        }
        if (left <= 0) {
          throw new PeerFetchException(PeerFetchException.Reason.TIMEOUT,
              what + ": no data for " + TimeUnit.NANOSECONDS.toMillis(stallNanos) + " ms");
        }
        left = changed.awaitNanos(left);
      }
      return queue.poll();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new PeerFetchException(PeerFetchException.Reason.ERROR, what + ": interrupted");
    } finally {
      lock.unlock();
    }
  }

  /** True if any byte arrived (its DATA frame began, so no second one will come for this id). */
  boolean started() {
    lock.lock();
    try {
      return received > 0;
    } finally {
      lock.unlock();
    }
  }

  /** True if every byte arrived (a request that completed does not need a Cancel). */
  boolean complete() {
    lock.lock();
    try {
      return received >= length;
    } finally {
      lock.unlock();
    }
  }

  private void abandon() {
    lock.lock();
    try {
      abandoned = true;
      DataBytes b;
      while ((b = queue.poll()) != null) {
        b.release();
        drained.accept(b.cost());
      }
    } finally {
      lock.unlock();
    }
  }
}
