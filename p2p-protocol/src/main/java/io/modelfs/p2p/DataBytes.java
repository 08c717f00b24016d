package io.modelfs.p2p;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.DefaultByteBufHolder;

/**
 * A run of chunk bytes of request {@code id} as it arrived (a retained slice of the socket's
 * buffer, not a copy). Whoever receives it releases it. {@code cost} is what holding it counts
 * against the connection's receive buffer: at least the capacity of the buffer it is a slice of,
 * since the slice keeps all of that buffer alive (a peer trickling tiny reads cannot pin more
 * memory than the limit).
 */
final class DataBytes extends DefaultByteBufHolder {
  private final long id;
  private final int cost;

  DataBytes(long id, ByteBuf content, int cost) {
    super(content);
    this.id = id;
    this.cost = cost;
  }

  long id() {
    return id;
  }

  int cost() {
    return cost;
  }
}
