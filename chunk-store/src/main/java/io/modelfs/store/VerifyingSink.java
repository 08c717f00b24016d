package io.modelfs.store;

import io.modelfs.core.ChunkRef;
import io.modelfs.core.Digest;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.WritableByteChannel;
import java.security.MessageDigest;

/**
 * The channel a {@link ChunkLoader} writes into: bytes go on to a target (a staging file, or
 * memory) and through SHA-256 as they arrive, so verification costs no second pass over the
 * data. Refuses to take more than the chunk's size. Used by one fetch thread at a time.
 */
final class VerifyingSink implements WritableByteChannel {
  private final WritableByteChannel target;
  private final ChunkRef chunk;
  private final String source;
  private final MessageDigest sha256 = Digest.newSha256();
  private long written;
  private boolean overflowed;
  private boolean open = true;

  VerifyingSink(WritableByteChannel target, ChunkRef chunk, String source) {
    this.target = target;
    this.chunk = chunk;
    this.source = source;
  }

  /**
   * Runs {@code loader} into {@code target} through a sink and returns normally only if exactly
   * the chunk's bytes arrived; otherwise throws {@link ChunkVerificationException} (also when the
   * loader wrapped or swallowed the sink's refusal of extra bytes) or the loader's exception.
   */
  static void load(ChunkRef chunk, String source, ChunkLoader loader, WritableByteChannel target) throws IOException {
    try (VerifyingSink sink = new VerifyingSink(target, chunk, source)) {
      try {
        loader.load(chunk, sink);
      } catch (IOException | RuntimeException e) {
        if (!sink.overflowed() || e instanceof ChunkVerificationException) {
          throw e;
        }
        ChunkVerificationException tooLong = sink.tooLong();
        tooLong.addSuppressed(e);
        throw tooLong;
      }
      if (sink.overflowed()) {
        throw sink.tooLong();
      }
      sink.verify();
    }
  }

  /**
   * Passes all of {@code src} to the target, then hashes it: with a target that writes on
   * another thread ({@link StagingWriter}) the hashing overlaps the write.
   */
  @Override
  public int write(ByteBuffer src) throws IOException {
    if (!open) {
      throw new ClosedChannelException();
    }
    int n = src.remaining();
    if (written + n > chunk.size()) {
      overflowed = true;
      throw tooLong();
    }
    ByteBuffer hashed = src.duplicate();
    while (src.hasRemaining()) {
      target.write(src);
    }
    sha256.update(hashed);
    written += n;
    return n;
  }

  /** True if the loader tried to write past the chunk's size, whatever it did with the error. */
  boolean overflowed() {
    return overflowed;
  }

  ChunkVerificationException tooLong() {
    return new ChunkVerificationException(chunk.digest(), source, "got more than " + chunk.size() + " bytes");
  }

  /** Throws unless exactly the chunk's bytes were written. Call once, after the loader returns. */
  void verify() throws ChunkVerificationException {
    if (written != chunk.size()) {
      throw new ChunkVerificationException(chunk.digest(), source, "got " + written + " bytes, expected " + chunk.size());
    }
    Digest got = Digest.finish(sha256);
    if (!got.equals(chunk.digest())) {
      throw new ChunkVerificationException(chunk.digest(), source, "got digest " + got);
    }
  }

  @Override
  public boolean isOpen() {
    return open;
  }

  /** Stops further writes; the target itself belongs to the caller. */
  @Override
  public void close() {
    open = false;
  }
}
