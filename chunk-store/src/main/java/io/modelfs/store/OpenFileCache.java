package io.modelfs.store;

import io.modelfs.core.Digest;
import java.io.Closeable;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Read channels of recently read chunk files, least recently used evicted and closed, so that a
 * reader streaming a chunk in 128 KiB reads opens its file once rather than 64 times. Channels
 * are shared between threads (positional reads need no locking); a reader whose channel is
 * closed under it by an eviction calls {@link #invalidate} and asks again. Thread-safe.
 */
final class OpenFileCache implements Closeable {
  private final String storeName;
  private final Map<Digest, FileChannel> open;
  private boolean closed;

  OpenFileCache(String storeName, int capacity) {
    this.storeName = storeName;
    this.open = new LinkedHashMap<>(16, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<Digest, FileChannel> eldest) {
        if (size() <= capacity) {
          return false;
        }
        closeQuietly(eldest.getValue());
        return true;
      }
    };
  }

  /**
   * An open channel on the file of {@code digest}, {@code path.apply(digest)} (asked only when no channel is
   * cached: a path costs a hex string and a resolve, per 128 KiB read otherwise); throws NoSuchFileException if
   * the file is absent.
   */
  FileChannel get(Digest digest, Function<Digest, Path> path) throws IOException {
    synchronized (this) {
      FileChannel cached = usable(digest);
      if (cached != null) {
        return cached;
      }
    }
    FileChannel fresh = FileChannel.open(path.apply(digest), StandardOpenOption.READ);
    synchronized (this) {
      FileChannel cached;
      try {
        cached = usable(digest);
      } catch (IOException e) {
        closeQuietly(fresh);
        throw e;
      }
      if (cached != null) {
        closeQuietly(fresh); // another reader opened it meanwhile
        return cached;
      }
      open.put(digest, fresh);
      return fresh;
    }
  }

  /** Forgets and closes {@code channel} if it is still the one cached for {@code digest}. */
  synchronized void invalidate(Digest digest, FileChannel channel) {
    open.remove(digest, channel);
    closeQuietly(channel);
  }

  /** Closes the cached channel of {@code digest}, if any: its chunk is gone. */
  void forget(Digest digest) {
    FileChannel ch;
    synchronized (this) {
      ch = open.remove(digest);
    }
    if (ch != null) {
      closeQuietly(ch);
    }
  }

  @Override
  public void close() {
    List<FileChannel> all;
    synchronized (this) {
      closed = true;
      all = new ArrayList<>(open.values());
      open.clear();
    }
    all.forEach(OpenFileCache::closeQuietly);
  }

  /** The cached channel if it is still open; throws if the cache is closed. Holds the lock. */
  private FileChannel usable(Digest digest) throws IOException {
    if (closed) {
      throw closedError();
    }
    FileChannel ch = open.get(digest);
    return ch != null && ch.isOpen() ? ch : null;
  }

  private IOException closedError() {
    return new IOException(storeName + " is closed");
  }

  private static void closeQuietly(FileChannel channel) {
    try {
      channel.close();
    } catch (IOException e) {
      // A read-only channel has nothing to flush; there is nothing to do about a failed close.
    }
  }
}
