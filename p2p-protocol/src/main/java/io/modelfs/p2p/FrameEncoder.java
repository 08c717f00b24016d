package io.modelfs.p2p;

import com.google.protobuf.MessageLite;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufOutputStream;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToByteEncoder;
import java.io.IOException;

/**
 * Writes control messages and keepalives as frames (layout in {@link Wire}). DATA frames do not
 * pass through here: {@link #dataHeader} builds their 13-byte header and the chunk bytes follow
 * as a {@code FileRegion}. Stateless, so shared.
 */
@Sharable
final class FrameEncoder extends MessageToByteEncoder<Object> {
  static final FrameEncoder INSTANCE = new FrameEncoder();

  private FrameEncoder() {}

  @Override
  public boolean acceptOutboundMessage(Object msg) {
    return msg instanceof MessageLite || msg instanceof Wire.KeepAlive;
  }

  @Override
  protected void encode(ChannelHandlerContext ctx, Object msg, ByteBuf out) throws IOException {
    if (msg instanceof Wire.KeepAlive) {
      out.writeInt(1).writeByte(Wire.KEEPALIVE);
      return;
    }
    MessageLite message = (MessageLite) msg;
    int size = message.getSerializedSize();
    out.writeInt(1 + size).writeByte(Wire.typeOf(message));
    message.writeTo(new ByteBufOutputStream(out));
  }

  // data: <u32 9+n><u8 0x20><u64 request id>, then n bytes
  static ByteBuf dataHeader(ByteBufAllocator alloc, long id, int n) {
    return alloc.buffer(Wire.HEADER + Wire.DATA_ID).writeInt(1 + Wire.DATA_ID + n).writeByte(Wire.DATA).writeLong(id);
  }
}
