package io.modelfs.p2p;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.DefaultByteBufHolder;

/**
 * A run of chunk bytes of request {@code id} as it arrived (a retained slice of the socket's
 * buffer, not a copy). Whoever receives it releases it.
 */
final class DataBytes extends DefaultByteBufHolder {
  private final long id;

  DataBytes(long id, ByteBuf content) {
    super(content);
    this.id = id;
  }

  long id() {
    return id;
  }
}
