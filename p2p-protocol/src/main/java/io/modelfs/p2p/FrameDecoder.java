package io.modelfs.p2p;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageLite;
import com.google.protobuf.Parser;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufInputStream;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.TooLongFrameException;
import java.io.IOException;
import java.util.List;

/**
 * Splits the byte stream into frames (layout in {@link Wire}). Control frames are buffered
 * whole (they are bounded by {@code maxControlFrame}) and parsed into their protobuf message;
 * DATA frames are not buffered: their bytes are passed on as {@link DataBytes} slices as they
 * arrive, so an 8 MiB chunk never sits in memory whole.
 *
 * <p>Error contract: an unknown type, a length outside its bounds or a body that does not parse
 * raises {@link CorruptedFrameException} or {@link TooLongFrameException} naming the value; the
 * decoder then discards everything else it receives (the session closes the connection).
 * One instance per channel.
 */
final class FrameDecoder extends ByteToMessageDecoder {
  private enum State { HEADER, DATA_BODY, FAILED }

  private final int maxControlFrame;
  private final int maxChunk;
  private State state = State.HEADER;
  private long dataId;
  private int dataLeft;

  FrameDecoder(int maxControlFrame, int maxChunk) {
    this.maxControlFrame = maxControlFrame;
    this.maxChunk = maxChunk;
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
    try {
      decodeFrames(in, out);
    } catch (CorruptedFrameException | TooLongFrameException e) {
      state = State.FAILED;
      in.skipBytes(in.readableBytes());
      throw e;
    }
  }

  private void decodeFrames(ByteBuf in, List<Object> out) {
    while (true) {
      switch (state) {
        case FAILED -> {
          in.skipBytes(in.readableBytes());
          return;
        }
        case DATA_BODY -> {
          if (!in.isReadable()) {
            return;
          }
          int n = Math.min(dataLeft, in.readableBytes());
          // the slice keeps the whole read buffer alive: charge its capacity
          out.add(new DataBytes(dataId, in.readRetainedSlice(n), Math.max(n, in.capacity())));
          dataLeft -= n;
          if (dataLeft == 0) {
            state = State.HEADER;
          }
        }
        case HEADER -> {
          if (!readHeader(in, out)) {
            return;
          }
        }
      }
    }
  }

  // frame: <u32 length><u8 type><body>; data: <u32 9+n><u8 0x20><u64 id><n bytes>
  private boolean readHeader(ByteBuf in, List<Object> out) {
    if (in.readableBytes() < Wire.HEADER) {
      return false;
    }
    int start = in.readerIndex();
    long length = in.getUnsignedInt(start);
    byte type = in.getByte(start + 4);
    if (length < 1) {
      throw new CorruptedFrameException("frame length 0: every frame has at least a type byte");
    }
    if (type == Wire.DATA) {
      return readDataHeader(in, length, out);
    }
    if (type == Wire.KEEPALIVE) {
      if (length != 1) {
        throw new CorruptedFrameException("keepalive frame with length " + length + ", expected 1");
      }
      in.skipBytes(Wire.HEADER);
      out.add(Wire.KeepAlive.INSTANCE);
      return true;
    }
    Parser<? extends MessageLite> parser = Wire.parser(type);
    if (parser == null) {
      throw new CorruptedFrameException(String.format("unknown frame type 0x%02x (length %d)", type, length));
    }
    if (length - 1 > maxControlFrame) {
      throw new TooLongFrameException(String.format("frame of type 0x%02x is %d bytes, more than the limit of %d",
          type, length - 1, maxControlFrame));
    }
    int body = (int) length - 1;
    if (in.readableBytes() < Wire.HEADER + body) {
      return false;
    }
    in.skipBytes(Wire.HEADER);
    ByteBuf bytes = in.readSlice(body);
    try {
      out.add(parser.parseFrom(new ByteBufInputStream(bytes)));
    } catch (InvalidProtocolBufferException e) {
      throw new CorruptedFrameException(String.format("frame of type 0x%02x (%d bytes) does not parse: %s",
          type, body, e.getMessage()));
    } catch (IOException e) {
      throw new CorruptedFrameException("frame of type " + type + " could not be read: " + e);
    }
    return true;
  }

  private boolean readDataHeader(ByteBuf in, long length, List<Object> out) {
    long n = length - 1 - Wire.DATA_ID;
    if (n < 1 || n > maxChunk) {
      throw new TooLongFrameException("data frame carries " + n + " bytes; allowed 1.." + maxChunk);
    }
    if (in.readableBytes() < Wire.HEADER + Wire.DATA_ID) {
      return false;
    }
    in.skipBytes(Wire.HEADER);
    dataId = in.readLong();
    dataLeft = (int) n;
    state = State.DATA_BODY;
    out.add(new DataStart(dataId, dataLeft));
    return true;
  }
}
