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

  OpenFile(ModelTree model, FileEntry file, int readaheadChunks, long readaheadTolerance) {
    this.model = model;
    this.file = file;
    this.readahead = new Readahead(readaheadChunks, readaheadTolerance, model.manifest().chunkSize(), file.chunks().size());
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
    return readRange(model, file, offset, want, dst);
  }

  /**
   * Copies {@code want} bytes of {@code file} from {@code offset} (all inside the file) into
   * {@code dst}, chunk by chunk, without readahead; EIO if a chunk cannot be had.
   */
  static int readRange(ModelTree model, FileEntry file, long offset, int want, ByteBuffer dst) throws FsException {
    int limit = dst.limit();
    dst.limit(dst.position() + want);
    try {
      int chunkSize = model.manifest().chunkSize();
      int done = 0;
      while (done < want) {
        long position = offset + done;
        int chunk = (int) (position / chunkSize);
        int n = readChunk(model, file, chunk, (int) (position % chunkSize), dst);
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

  private static int readChunk(ModelTree model, FileEntry file, int chunk, int offsetInChunk, ByteBuffer dst)
      throws FsException {
    try {
      return model.content().read(file, chunk, offsetInChunk, dst);
    } catch (IOException e) {
      throw new FsException(Errno.EIO, "reading chunk " + chunk + " (" + file.chunk(chunk, model.manifest().chunkSize())
          + ") of '" + file.path() + "' in " + model.ref() + " at file offset "
          + ((long) chunk * model.manifest().chunkSize() + offsetInChunk) + " failed: " + e.getMessage(), e);
    }
  }

  private void prefetch(Readahead.Span span) {
    for (int i = 0; i < span.count(); i++) {
      model.content().prefetch(file, span.first() + i);
    }
  }
}
