package io.modelfs.agent;

import io.modelfs.origin.Origin;
import io.modelfs.origin.OriginConfig;
import io.modelfs.origin.OriginSettings;
import io.modelfs.origin.Origins;
import io.modelfs.store.ChunkLoader;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where the {@link StartupWarmup}'s chunks come from: an S3 origin, opened exactly as the agent
 * opens one ({@link Origins#open}: retries, the AWS SDK with its Apache HTTP client, SigV4 signing
 * with throw-away keys, the body copy), reading ranges of an in-memory object from a {@link
 * LoopbackObjectServer} — so that the JIT has compiled the S3 response path before the first cold
 * read, where it was a large part of a fresh agent's CPU (docs/BENCHMARKS.md, issue 5). When the
 * loopback origin cannot be set up, the chunks are written straight from memory instead (logged).
 */
final class WarmupOrigin implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(WarmupOrigin.class);
  private static final String BUCKET_URI = "s3://modelfs-warmup/";
  private static final String KEY = "warmup.bin";
  private static final int LOADER_WRITE_BYTES = 256 << 10;

  private final byte[] object;
  private final LoopbackObjectServer server;
  private final Origin origin;
  private final String via;

  private WarmupOrigin(byte[] object, LoopbackObjectServer server, Origin origin, String via) {
    this.object = object;
    this.server = server;
    this.origin = origin;
    this.via = via;
  }

  /**
   * Serves {@code object} on loopback and opens an S3 origin on it, keeping throw-away credentials
   * in {@code dir}; never throws: on failure the result writes chunks from memory.
   */
  static WarmupOrigin open(Path dir, byte[] object) {
    LoopbackObjectServer server = null;
    try {
      server = LoopbackObjectServer.start(object);
      // Not a secret: the loopback server ignores them; they make the SDK sign as it does with real keys.
      Path keys = Files.writeString(dir.resolve("warmup-credentials.properties"),
          "access-key-id = modelfs-warmup\nsecret-access-key = modelfs-warmup\n");
      OriginSettings s = OriginSettings.defaults().withEndpoint(server.endpoint()).withCredentials("file:" + keys)
          .withChecksumsWhenRequired(true).withRetries(1, Duration.ZERO);
      Origin origin = Origins.open(BUCKET_URI, OriginConfig.of(s, BUCKET_URI, s));
      try {
        // The SDK's first request initialises much of it (seconds of CPU in a fresh JVM at a high load): work
        // the agent's first manifest fetch would do anyway, so it is part of the set-up, not of the budget.
        origin.read(KEY, LoopbackObjectServer.ETAG, 0, 1024, new Discard());
      } catch (IOException | RuntimeException e) {
        origin.close();
        throw e;
      }
      return new WarmupOrigin(object, server, origin, "S3 GETs from a loopback server");
    } catch (IOException | RuntimeException e) {
      if (server != null) {
        server.close();
      }
      String why = e.getClass().getSimpleName() + ": " + e.getMessage();
      log.warn("start-up warm-up: cannot set up the loopback S3 origin ({}); writing chunks from memory instead", why);
      return new WarmupOrigin(object, null, null, "memory (loopback S3 origin failed: " + why + ")");
    }
  }

  /** What the chunks go through, for the log line. */
  String via() {
    return via;
  }

  /** True when chunks are read through the S3 origin. */
  boolean throughS3() {
    return origin != null;
  }

  /** Loads bytes {@code [offset, offset + length)} of the object as a chunk. */
  ChunkLoader loader(int offset, int length) {
    if (origin != null) {
      // Through a Cancellable sink, as ModelLoader's origin loads are: the JIT then compiles the copy chain
      // (Bodies.copy -> RetryingOrigin's counting sink -> Cancellable -> VerifyingSink -> staging writer) with the
      // receiver types a cold read meets, instead of deoptimising it at the first real load.
      return (chunk, sink) -> origin.read(KEY, LoopbackObjectServer.ETAG, offset, length,
          Cancellable.sink(sink, () -> false));
    }
    return (chunk, sink) -> {
      for (int off = offset; off < offset + length; off += LOADER_WRITE_BYTES) {
        ByteBuffer piece = ByteBuffer.wrap(object, off, Math.min(LOADER_WRITE_BYTES, offset + length - off));
        while (piece.hasRemaining()) {
          sink.write(piece);
        }
      }
    };
  }

  /** A sink that drops what it is given. */
  private static final class Discard implements WritableByteChannel {
    @Override
    public int write(ByteBuffer src) {
      int n = src.remaining();
      src.position(src.limit());
      return n;
    }

    @Override
    public boolean isOpen() {
      return true;
    }

    @Override
    public void close() {}
  }

  @Override
  public void close() {
    if (origin != null) {
      try {
        origin.close();
      } catch (IOException e) {
        log.debug("start-up warm-up: closing the loopback origin: {}", e.toString());
      }
    }
    if (server != null) {
      server.close();
    }
  }
}
