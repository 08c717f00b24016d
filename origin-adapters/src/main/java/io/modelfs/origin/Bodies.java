package io.modelfs.origin;

import io.modelfs.core.ModelPaths;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;

/** Helpers the object-store origins share: copying a response body, mapping keys to paths. */
final class Bodies {
  private static final int BUFFER = 256 << 10;

  private Bodies() {}

  /**
   * Copies exactly {@code length} bytes of {@code in} to {@code sink}; a body that ends early is
   * a {@link OriginException.Transient} (a connection cut mid-stream), an I/O error reading it too.
   * Errors writing to the sink propagate as they are.
   */
  static void copy(URI uri, InputStream in, long length, WritableByteChannel sink) throws IOException {
    byte[] buf = new byte[(int) Math.min(BUFFER, Math.max(1, length))];
    long done = 0;
    while (done < length) {
      int n;
      try {
        n = in.read(buf, 0, (int) Math.min(buf.length, length - done));
      } catch (IOException e) {
        throw new OriginException.Transient(uri, "body cut off after " + done + " of " + length + " bytes ("
            + e.getClass().getSimpleName() + ")", e);
      }
      if (n < 0) {
        throw new OriginException.Transient(uri, "body ended after " + done + " of " + length + " bytes", null);
      }
      ByteBuffer b = ByteBuffer.wrap(buf, 0, n);
      while (b.hasRemaining()) {
        sink.write(b);
      }
      done += n;
    }
  }

  /** Reads a whole small body, refusing more than {@code maxBytes}. */
  static byte[] readAll(URI uri, InputStream in, long size, int maxBytes) throws IOException {
    if (size > maxBytes) {
      throw new OriginException.Permanent(uri, "object of " + size + " bytes exceeds the limit of " + maxBytes, null);
    }
    ByteBuffer out = ByteBuffer.allocate((int) size);
    copy(uri, in, size, new ParallelRanges.BufferSink(out));
    return out.array();
  }

  /** A key prefix that is empty or ends in '/'. */
  static String dirPrefix(String prefix) {
    String p = prefix.startsWith("/") ? prefix.substring(1) : prefix;
    return p.isEmpty() || p.endsWith("/") ? p : p + "/";
  }

  /**
   * The model path of {@code key} under {@code prefix}, or {@code null} for what a model does not
   * contain: folder markers, the {@code .modelfs/} folder of manifests.
   */
  static String pathOf(String prefix, String key) {
    if (!key.startsWith(prefix) || key.endsWith("/")) {
      return null;
    }
    String path = key.substring(prefix.length());
    return path.isEmpty() || path.equals(".modelfs") || path.startsWith(".modelfs/") ? null : path;
  }

  /** Validates {@code path} and returns the object's key. */
  static String keyOf(String prefix, String path) {
    ModelPaths.validate(path);
    return prefix + path;
  }
}
