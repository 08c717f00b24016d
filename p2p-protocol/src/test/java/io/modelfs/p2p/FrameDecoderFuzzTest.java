package io.modelfs.p2p;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.google.protobuf.MessageLite;
import io.netty.buffer.AbstractByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledDirectByteBuf;
import io.netty.buffer.UnpooledHeapByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.TooLongFrameException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Whatever a peer sends, the {@link FrameDecoder} must turn it into well-formed frames or fail
 * once with {@link CorruptedFrameException} / {@link TooLongFrameException} — never another
 * exception — and must never allocate more than one control frame's worth of bytes (the cap) plus
 * one read, nor leak a buffer. The input is the byte stream as it arrives on a socket; its first byte chooses
 * how the stream is cut into reads (1..64 bytes each), so split frames are fuzzed too.
 *
 * <p>{@code mvn verify} replays the committed corpus in {@code FrameDecoderFuzzTestInputs/};
 * {@code bin/fuzz} fuzzes with {@code JAZZER_FUZZ=1}.
 */
class FrameDecoderFuzzTest {
  private static final int MAX_CONTROL = 256;
  private static final int MAX_CHUNK = 4096;
  private static final int MAX_READ = 64;
  /**
   * The largest buffer the decoder may allocate: an incomplete control frame plus one read,
   * rounded up to a power of two as Netty's cumulator does, with room for one doubling.
   */
  private static final int MAX_BUFFER = 2 * (Wire.HEADER + MAX_CONTROL + MAX_READ);

  @FuzzTest(maxDuration = "30s")
  void decode(byte[] input) {
    if (input.length == 0) {
      return;
    }
    int readSize = 1 + (input[0] & (MAX_READ - 1));
    byte[] stream = Arrays.copyOfRange(input, 1, input.length);
    EmbeddedChannel ch = new EmbeddedChannel(new FrameDecoder(MAX_CONTROL, MAX_CHUNK));
    SizeRecordingAllocator alloc = new SizeRecordingAllocator();
    ch.config().setAllocator(alloc);
    List<ByteBuf> written = new ArrayList<>();
    Frames frames = new Frames();
    try {
      for (int at = 0; at < stream.length; at += readSize) {
        ByteBuf read = Unpooled.wrappedBuffer(stream, at, Math.min(readSize, stream.length - at));
        written.add(read);
        boolean threw = false;
        try {
          ch.writeInbound(read);
        } catch (CorruptedFrameException | TooLongFrameException e) {
          assertFalse(frames.failed, "the decoder fails once, then discards");
          assertNotNull(e.getMessage());
          threw = true;
        }
        frames.drain(ch); // frames decoded from this read before the fault still come out
        frames.failed |= threw;
        assertTrue(alloc.largest <= MAX_BUFFER,
            "decoder allocated a buffer of " + alloc.largest + " bytes; the cap allows " + MAX_BUFFER);
      }
    } finally {
      ch.finishAndReleaseAll();
    }
    for (ByteBuf b : written) {
      assertEquals(0, b.refCnt(), "a buffer read from the socket was never released");
    }
  }

  /** Remembers the largest buffer the channel's handlers asked for (the decoder's cumulation). */
  private static final class SizeRecordingAllocator extends AbstractByteBufAllocator {
    int largest;

    SizeRecordingAllocator() {
      super(false);
    }

    @Override
    protected ByteBuf newHeapBuffer(int initialCapacity, int maxCapacity) {
      largest = Math.max(largest, initialCapacity);
      return new UnpooledHeapByteBuf(this, initialCapacity, maxCapacity);
    }

    @Override
    protected ByteBuf newDirectBuffer(int initialCapacity, int maxCapacity) {
      largest = Math.max(largest, initialCapacity);
      return new UnpooledDirectByteBuf(this, initialCapacity, maxCapacity);
    }

    @Override
    public boolean isDirectBufferPooled() {
      return false;
    }
  }

  /** Checks the frames that come out, in order, and releases the data slices. */
  private static final class Frames {
    boolean failed;
    private long dataId;
    private int dataLeft;

    void drain(EmbeddedChannel ch) {
      for (Object o = ch.readInbound(); o != null; o = ch.readInbound()) {
        assertFalse(failed, "a frame after the decoder failed: " + o);
        if (o instanceof DataBytes bytes) {
          try {
            assertEquals(dataId, bytes.id());
            int n = bytes.content().readableBytes();
            assertTrue(n >= 1 && n <= dataLeft, "data slice of " + n + " bytes with " + dataLeft + " left");
            dataLeft -= n;
          } finally {
            bytes.release();
          }
        } else if (o instanceof DataStart start) {
          assertEquals(0, dataLeft, "a data frame started inside another one");
          assertTrue(start.length() >= 1 && start.length() <= MAX_CHUNK, "data length " + start.length());
          dataId = start.id();
          dataLeft = start.length();
        } else {
          assertEquals(0, dataLeft, "a control frame inside a data frame");
          assertTrue(o instanceof MessageLite || o == Wire.KeepAlive.INSTANCE, "unexpected frame " + o);
          if (o instanceof MessageLite m) {
            assertTrue(m.getSerializedSize() <= MAX_CONTROL, "control frame larger than the cap");
          }
        }
      }
    }
  }
}
