package io.modelfs.store;

import io.modelfs.core.Digest;
import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;

/**
 * The {@link Evictor.Backing} of a {@link FileChunkStore}: deleting a chunk closes its cached
 * read channel, deletes its file, then its index entry (a crash in between leaves an entry
 * without a file, which the next open drops); free space is the file system's.
 */
final class FileBacking implements Evictor.Backing {
  private final StoreLayout layout;
  private final ChunkIndex index;
  private final OpenFileCache files;
  private final FileStore disk;

  FileBacking(StoreLayout layout, ChunkIndex index, OpenFileCache files) throws IOException {
    this.layout = layout;
    this.index = index;
    this.files = files;
    this.disk = Files.getFileStore(layout.root());
  }

  @Override
  public void delete(Digest digest) throws IOException {
    files.forget(digest);
    Files.deleteIfExists(layout.chunkPath(digest));
    index.remove(digest);
  }

  @Override
  public long freeBytes() throws IOException {
    return disk.getUsableSpace();
  }
}
