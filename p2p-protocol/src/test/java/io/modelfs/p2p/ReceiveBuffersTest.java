package io.modelfs.p2p;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(LeakCheck.class)
class ReceiveBuffersTest {
  private static ByteBuf read(ReceiveBuffers buffers) {
    RecvByteBufAllocator.Handle h = buffers.newHandle();
    h.reset(new EmbeddedChannel().config());
    return h.allocate(ByteBufAllocator.DEFAULT);
  }

  @Test
  void handsOutEmptyDirectSlabsThatCannotGrow() {
    ReceiveBuffers buffers = new ReceiveBuffers(2);
    ByteBuf b = read(buffers);
    try {
      assertTrue(b.isDirect());
      assertEquals(ReceiveBuffers.SLAB, b.capacity());
      assertEquals(ReceiveBuffers.SLAB, b.maxCapacity());
      assertEquals(0, b.readableBytes());
      b.writerIndex(ReceiveBuffers.SLAB);
      assertThrows(IndexOutOfBoundsException.class, () -> b.writeByte(1));
    } finally {
      b.release();
      buffers.close();
    }
  }

  @Test
  void aSlabComesBackOnlyWhenItsLastSliceIsReleasedAndIsReusedCleared() {
    ReceiveBuffers buffers = new ReceiveBuffers(2);
    ByteBuf b = read(buffers);
    b.writeLong(42);
    ByteBuf slice = b.readRetainedSlice(8);
    b.release();
    assertEquals(0, buffers.idle(), "a retained slice keeps its slab in use");
    assertEquals(42, slice.getLong(0));
    slice.release();
    assertEquals(1, buffers.idle());
    ByteBuf again = read(buffers);
    try {
      assertEquals(0, buffers.idle(), "the idle slab was reused");
      assertEquals(0, again.readerIndex());
      assertEquals(0, again.writerIndex());
    } finally {
      again.release();
      buffers.close();
    }
  }

  @Test
  void keepsAtMostItsIdleLimitAndNoneAfterClose() {
    ReceiveBuffers buffers = new ReceiveBuffers(2);
    List<ByteBuf> taken = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      taken.add(read(buffers));
    }
    taken.forEach(ByteBuf::release);
    assertEquals(2, buffers.idle());
    buffers.close();
    assertEquals(0, buffers.idle());
    read(buffers).release();
    assertEquals(0, buffers.idle(), "released after close: freed, not kept");
  }
}
