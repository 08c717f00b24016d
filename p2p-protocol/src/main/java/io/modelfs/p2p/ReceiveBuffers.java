package io.modelfs.p2p;

import io.netty.buffer.AbstractByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.UnpooledDirectByteBuf;
import io.netty.channel.DefaultMaxMessagesRecvByteBufAllocator;
import io.netty.util.internal.PlatformDependent;
import java.nio.ByteBuffer;
import java.util.concurrent.ArrayBlockingQueue;

/**
 * What peer connections read the socket into: direct buffers of one fixed size ({@link #SLAB}),
 * recycled through a bounded free list, so that receiving a chunk allocates and zeroes no memory.
 *
 * <p>Why not Netty's allocators: chunk bytes stay in the buffer they were read into (retained
 * slices travel to the fetching thread, see {@link Transfer}), so read buffers live for a while
 * and are released on another thread. Under that pattern Netty 4.2's adaptive allocator falls
 * back to a fresh, zeroed {@code ByteBuffer.allocateDirect} for every read above about 16 KiB when the
 * heap is at most 512 MiB (its "low memory" mode, which is how agents run), and the pooled
 * allocator destroys and re-creates a 4 MiB chunk whenever one empties; either way about half of
 * the receiving event loop's CPU went to zeroing and page-faulting new memory
 * (docs/BENCHMARKS.md, issue 6). Memory: at most {@code idle} slabs are kept when unused; slabs
 * in use are bounded by each connection's {@code receiveBuffer} backpressure ({@link PeerSession}).
 *
 * <p>Thread-safety: slabs are taken on event loops and released on any thread. Every slab is
 * tracked by Netty's leak detector like any allocator's buffer.
 */
final class ReceiveBuffers extends DefaultMaxMessagesRecvByteBufAllocator {
  /** Bytes per socket read: large enough that syscalls cost little next to the copy and the hash. */
  static final int SLAB = 256 << 10;

  private final Slabs slabs;

  /** @param idle slabs kept for reuse when released (the rest are freed) */
  ReceiveBuffers(int idle) {
    super(16);
    slabs = new Slabs(idle);
  }

  @Override
  public Handle newHandle() {
    return new MaxMessageHandle() {
      @Override
      public ByteBuf allocate(ByteBufAllocator ignored) {
        return slabs.take();
      }

      @Override
      public int guess() {
        return SLAB;
      }
    };
  }

  /** Slabs kept for reuse now (for tests). */
  int idle() {
    return slabs.free.size();
  }

  /** Frees the idle slabs; slabs released later are freed instead of kept. */
  void close() {
    slabs.closed = true;
    ByteBuffer b;
    while ((b = slabs.free.poll()) != null) {
      PlatformDependent.freeDirectBuffer(b);
    }
  }

  /** The free list, and the allocator the slabs name as theirs (copies of a slab come from the default one). */
  private static final class Slabs extends AbstractByteBufAllocator {
    private final ArrayBlockingQueue<ByteBuffer> free;
    private volatile boolean closed;

    Slabs(int idle) {
      super(true);
      free = new ArrayBlockingQueue<>(Math.max(1, idle));
    }

    ByteBuf take() {
      ByteBuffer b = free.poll();
      if (b == null) {
        b = ByteBuffer.allocateDirect(SLAB);
      }
      b.clear();
      return toLeakAwareBuffer(new Slab(this, b));
    }

    void give(ByteBuffer b) {
      if (closed || !free.offer(b)) {
        PlatformDependent.freeDirectBuffer(b);
      }
    }

    @Override
    protected ByteBuf newHeapBuffer(int initialCapacity, int maxCapacity) {
      return ByteBufAllocator.DEFAULT.heapBuffer(initialCapacity, maxCapacity);
    }

    @Override
    protected ByteBuf newDirectBuffer(int initialCapacity, int maxCapacity) {
      return ByteBufAllocator.DEFAULT.directBuffer(initialCapacity, maxCapacity);
    }

    @Override
    public boolean isDirectBufferPooled() {
      return true;
    }
  }

  /** A slab in use: cannot grow (its capacity is its maximum) and goes back to the free list when released. */
  private static final class Slab extends UnpooledDirectByteBuf {
    private final Slabs owner;
    private final ByteBuffer memory;

    Slab(Slabs owner, ByteBuffer memory) {
      super(owner, memory, SLAB);
      this.owner = owner;
      this.memory = memory;
      clear();
    }

    @Override
    protected void deallocate() {
      super.deallocate(); // wraps, so does not free
      owner.give(memory);
    }
  }
}
