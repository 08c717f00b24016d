package io.modelfs.fuse;

import io.modelfs.core.FileEntry;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * One open file handle: turns a byte range into reads of the chunks it spans and drives
 * readahead for the handle. Holds no data: bytes go from {@link ModelContent} straight into
 * the caller's buffer.
 */
final class OpenFile {
  private final ModelTree model;
  private final FileEntry file;
  private final Readahead readahead;

  OpenFile(ModelTree model, FileEntry file, int readaheadChunks) {
    this.model = model;
    this.file = file;
    this.readahead = new Readahead(readaheadChunks, model.manifest().chunkSize(), file.chunks().size());
  }

  /**
   * Fills {@code dst} with the file's bytes from {@code offset}, up to its remaining space or
   * the end of the file; returns the count, 0 at or after the end.
   */
  int read(long offset, ByteBuffer dst) throws FsException {
    if (offset < 0) {
      throw new FsException(Errno.EINVAL, "read of '" + file.path() + "' in " + model.ref() + " at negative offset " + offset);
    }
    if (offset >= file.size() || !dst.hasRemaining()) {
      return 0;
    }
    int want = (int) Math.min(dst.remaining(), file.size() - offset);
    prefetch(readahead.onRead(offset, offset + want));
    int limit = dst.limit();
    dst.limit(dst.position() + want);
    try {
      int chunkSize = model.manifest().chunkSize();
      int done = 0;
      while (done < want) {
        long position = offset + done;
        int chunk = (int) (position / chunkSize);
        int n = readChunk(chunk, (int) (position % chunkSize), dst);
        if (n <= 0) {
          throw new FsException(Errno.EIO, "chunk " + chunk + " of '" + file.path() + "' in " + model.ref()
              + " gave " + n + " bytes at file offset " + position + " of " + file.size());
        }
        done += n;
      }
      return done;
    } finally {
      dst.limit(limit);
    }
  }

  private int readChunk(int chunk, int offsetInChunk, ByteBuffer dst) throws FsException {
    try {
      return model.content().read(file, chunk, offsetInChunk, dst);
    } catch (IOException e) {
      throw new FsException(Errno.EIO, "reading chunk " + chunk + " (" + file.chunk(chunk, model.manifest().chunkSize())
          + ") of '" + file.path() + "' in " + model.ref() + " failed: " + e, e);
    }
  }

  private void prefetch(Readahead.Span span) {
    for (int i = 0; i < span.count(); i++) {
      model.content().prefetch(file, span.first() + i);
    }
  }
}
