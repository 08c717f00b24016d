package io.modelfs.agent;

import io.modelfs.store.LoadCancelledException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.util.function.BooleanSupplier;

/**
 * A sink that refuses further bytes once its fetch is cancelled, so that a transfer the scheduler
 * gave up on (endgame loser, stalled, model closed) stops at the next bytes that arrive: the
 * store discards the partial chunk, the peer gets a Cancel, the origin stream is closed.
 */
final class Cancellable {
  private Cancellable() {}

  /** Thrown into the load when its fetch was cancelled. */
  static final class CancelledException extends LoadCancelledException {
    CancelledException(String what) {
      super(what + " was cancelled by the scheduler");
    }
  }

  static WritableByteChannel sink(WritableByteChannel sink, BooleanSupplier cancelled) {
    return new WritableByteChannel() {
      @Override
      public int write(ByteBuffer src) throws IOException {
        if (cancelled.getAsBoolean()) {
          throw new CancelledException("the fetch");
        }
        return sink.write(src);
      }

      @Override
      public boolean isOpen() {
        return sink.isOpen();
      }

      @Override
      public void close() throws IOException {
        sink.close();
      }
    };
  }
}
