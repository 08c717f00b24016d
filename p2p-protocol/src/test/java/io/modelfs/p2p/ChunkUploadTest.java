package io.modelfs.p2p;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.modelfs.core.Digest;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.DefaultEventLoop;
import io.netty.channel.DefaultEventLoopGroup;
import io.netty.channel.FileRegion;
import io.netty.channel.local.LocalAddress;
import io.netty.channel.local.LocalChannel;
import io.netty.channel.local.LocalServerChannel;
import io.netty.util.ReferenceCountUtil;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * An upload the {@link UploadQueue} starts from another thread than its channel's event loop
 * (the loop of the peer whose upload freed the slot) must put its DATA header and body on the
 * wire together. A loop that queues another write of the same channel right behind the first
 * task another thread hands it makes the race deterministic: before the fix the header and the
 * body were two such tasks and the other frame landed between them (issue 8 at N = 16: chunks
 * failing verification, "unknown frame type").
 */
@ExtendWith(LeakCheck.class)
@Timeout(30)
class ChunkUploadTest {
  private static final int CHUNK = 4096;
  private static final int OTHER_FRAME = 7;

  @TempDir
  Path tmp;

  /** Once armed, queues {@code intruder} right behind the next task another thread hands this loop. */
  private static final class InterposingLoop extends DefaultEventLoop {
    private volatile Runnable intruder;

    InterposingLoop() {
      super((ThreadFactory) r -> new Thread(r, "interposing-loop"));
    }

    @Override
    public void execute(Runnable task) {
      super.execute(task);
      interpose();
    }

    @Override
    public void lazyExecute(Runnable task) {
      super.lazyExecute(task);
      interpose();
    }

    private void interpose() {
      Runnable r = intruder;
      if (r != null && !inEventLoop()) {
        intruder = null;
        super.execute(r);
      }
    }
  }

  @Test
  void anUploadStartedOffItsChannelsLoopWritesHeaderAndBodyWithNothingBetween() throws Exception {
    byte[] bytes = new byte[CHUNK];
    Path file = Files.write(tmp.resolve("chunk"), bytes);
    DefaultEventLoopGroup serverLoop = new DefaultEventLoopGroup(1);
    InterposingLoop loop = new InterposingLoop();
    List<String> written = new CopyOnWriteArrayList<>();
    try {
      LocalAddress address = new LocalAddress("chunk-upload-test-" + System.nanoTime());
      new ServerBootstrap().group(serverLoop).channel(LocalServerChannel.class)
          .childHandler(new ChannelInboundHandlerAdapter()).bind(address).sync();
      Channel ch = new Bootstrap().group(loop).channel(LocalChannel.class).handler(new ChannelOutboundHandlerAdapter() {
        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
          written.add(msg instanceof FileRegion ? "body"
              : ((ByteBuf) msg).readableBytes() == OTHER_FRAME ? "other frame" : "header");
          ReferenceCountUtil.release(msg);
          promise.setSuccess();
        }
      }).connect(address).sync().channel();
      PeerSession session = new PeerSession(null, ch, "b", Wire.VERSION, true);
      ChunkUpload upload = new ChunkUpload(session, 1, Digest.sha256(bytes), file, 0, CHUNK, UploadListener.NONE);
      CountDownLatch done = new CountDownLatch(1);

      loop.intruder = () -> ch.writeAndFlush(Unpooled.wrappedBuffer(new byte[OTHER_FRAME]));
      upload.start(done::countDown); // from the test's thread, off the channel's loop

      assertTrue(done.await(10, TimeUnit.SECONDS), "the upload finished");
      for (int i = 0; i < 500 && written.size() < 3; i++) {
        Thread.sleep(10);
      }
      assertEquals(3, written.size(), "writes: " + written);
      int header = written.indexOf("header");
      assertEquals("body", written.get(header + 1), "the DATA header is followed by its body, not by another frame: "
          + written);
      ch.close().sync();
    } finally {
      loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
      serverLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }
  }
}
