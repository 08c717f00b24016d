package io.modelfs.p2p;

import io.modelfs.core.Digest;
import io.modelfs.core.proto.Refuse;
import io.netty.channel.Channel;
import io.netty.channel.DefaultFileRegion;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.stream.ChunkedNioFile;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One chunk (or range) going out: a 13-byte DATA header and a {@link DefaultFileRegion} over the
 * chunk file, which the transport sends with {@code sendfile} — no byte of the chunk is copied
 * into the JVM. The file is opened when the upload starts, so a chunk evicted meanwhile is
 * refused NOT_FOUND rather than half-sent.
 */
final class ChunkUpload implements UploadQueue.Upload {
  private static final Logger log = LoggerFactory.getLogger(ChunkUpload.class);

  private final PeerSession session;
  private final long id;
  private final Digest digest;
  private final Path file;
  private final long offset;
  private final int length;
  private final UploadListener listener;

  ChunkUpload(PeerSession session, long id, Digest digest, Path file, long offset, int length,
      UploadListener listener) {
    this.listener = listener;
    this.session = session;
    this.id = id;
    this.digest = digest;
    this.file = file;
    this.offset = offset;
    this.length = length;
  }

  @Override
  public String peer() {
    return session.remoteId();
  }

  @Override
  public long id() {
    return id;
  }

  @Override
  public long length() {
    return length;
  }

  @Override
  public void later(Runnable task, long nanos) {
    try {
      session.channel().eventLoop().schedule(task, nanos, TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      log.debug("upload pacing timer not set: the swarm is closing ({})", e.toString());
    }
  }

  @Override
  public boolean ready() {
    return session.channel().isWritable() || !session.channel().isActive();
  }

  /**
   * Starts sending, on the channel's event loop: the {@link UploadQueue} starts an upload from
   * whichever thread freed a slot (often another peer's event loop), and two writes made off
   * the loop are two tasks there, between which the loop may write another frame of this
   * channel — a REFUSE it answers inline, another upload's header — inside the DATA frame. The
   * peer then read that frame's bytes as chunk data (the chunk failed verification and both
   * senders were banned) and the rest as frame headers ("unknown frame type", seen at N = 16,
   * issue 8). Written from the loop, the header and the body are adjacent on the wire.
   */
  @Override
  public void start(Runnable done) {
    Channel ch = session.channel();
    if (!ch.eventLoop().inEventLoop()) {
      try {
        ch.eventLoop().execute(() -> start(done));
      } catch (RejectedExecutionException e) {
        log.debug("upload of chunk {} to {} not started: the swarm is closing", digest.shortHex(), session);
        done.run();
      }
      return;
    }
    if (!ch.isActive()) {
      done.run();
      return;
    }
    FileChannel fc;
    try {
      fc = FileChannel.open(file, StandardOpenOption.READ);
    } catch (NoSuchFileException e) {
      session.refuse(id, Refuse.Reason.NOT_FOUND, "chunk " + digest.shortHex() + " was evicted");
      done.run();
      return;
    } catch (IOException e) {
      log.warn("chunk {} for {}: cannot open {}: {}", digest.shortHex(), session, file, e.toString());
      session.refuse(id, Refuse.Reason.ERROR, "chunk " + digest.shortHex() + " could not be read");
      done.run();
      return;
    }
    try {
      if (fc.size() < offset + length) {
        fc.close();
        session.refuse(id, Refuse.Reason.BAD_REQUEST, "range " + offset + "+" + length + " is past the end of chunk "
            + digest.shortHex() + " (" + fc.size() + " bytes)");
        done.run();
        return;
      }
    } catch (IOException e) {
      closeQuietly(fc);
      session.refuse(id, Refuse.Reason.ERROR, "chunk " + digest.shortHex() + " could not be read");
      done.run();
      return;
    }
    // sendfile bypasses TLS: under TLS the file is read in 64 KiB pieces and encrypted.
    Object body;
    try {
      body = ch.pipeline().get(SslHandler.class) == null ? new DefaultFileRegion(fc, offset, length)
          : new ChunkedNioFile(fc, offset, length, 64 << 10);
    } catch (IOException e) {
      closeQuietly(fc);
      session.refuse(id, Refuse.Reason.ERROR, "chunk " + digest.shortHex() + " could not be read");
      done.run();
      return;
    }
    ch.write(FrameEncoder.dataHeader(ch.alloc(), id, length));
    ch.writeAndFlush(body).addListener(f -> {
      if (!f.isSuccess()) {
        log.debug("upload of chunk {} to {} failed: {}", digest.shortHex(), session, f.cause().toString());
      } else {
        try {
          listener.uploaded(session.remoteId(), length);
        } catch (RuntimeException e) {
          log.warn("upload listener failed on chunk {} to {}: {}", digest.shortHex(), session, e.toString());
        }
      }
      done.run();
    });
  }

  private static void closeQuietly(FileChannel fc) {
    try {
      fc.close();
    } catch (IOException ignored) {
      // nothing was sent from it
    }
  }
}
