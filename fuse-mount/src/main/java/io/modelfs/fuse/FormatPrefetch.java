package io.modelfs.fuse;

import io.modelfs.core.FileEntry;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Model-format-aware prefetch: when a safetensors or GGUF file is first opened on the mount,
 * read its header (which every loader reads first) and then ask for the chunks of its tensors
 * in file order, so that a loader that memory-maps the file and faults tensors in any order
 * finds them arriving front to back with every fetch thread busy. The layout comes from the
 * header at open time; it changes neither the manifest nor the ref.
 *
 * <p>Runs on {@code executor}, never on the opening thread. Once per file per mount, whatever
 * the outcome. A header that cannot be read or does not parse only costs the prefetch: it is
 * logged, and reads of the file are served as usual. Safetensors headers larger than
 * {@link #MAX_PREFETCHED_HEADER} are not read for prefetching (a real header is KiBs to a few
 * MiB); a GGUF header, which has no length prefix, is parsed through a 1 MiB window over at most
 * {@link GgufHeader#MAX_HEADER_BYTES} of the file, asking for the chunk after the window's so
 * that a long header (a tokenizer's vocabulary) arrives with more than one fetch in flight. So a
 * hostile file cannot make the mount hold much memory. Thread-safe.
 */
final class FormatPrefetch {
  private static final Logger log = LoggerFactory.getLogger(FormatPrefetch.class);
  static final int MAX_PREFETCHED_HEADER = 16 << 20;

  private final Executor executor;
  private final Set<Long> started = ConcurrentHashMap.newKeySet();

  FormatPrefetch(Executor executor) {
    this.executor = executor;
  }

  /** Starts the prefetch of {@code file} if it is a safetensors or GGUF file opened for the first time. */
  void opened(ModelTree model, Node.File file) {
    String path = file.path();
    if (!(SafetensorsHeader.isSafetensors(path) || GgufHeader.isGguf(path))
        || file.entry().size() <= SafetensorsHeader.PREFIX || !started.add(file.inode())) {
      return;
    }
    try {
      executor.execute(() -> prefetch(model, file.entry()));
    } catch (RejectedExecutionException e) {
      log.debug("not prefetching '{}' in {}: the mount is closing", file.path(), model.ref());
    }
  }

  /** Tensor bytes {@code [begin, end)} in file order, after a header ending at {@code dataStart}. */
  private record Layout(long dataStart, List<long[]> tensors) {}

  /** Reads the header and asks for every tensor's chunks in file order; returns the chunks asked for. */
  static int prefetch(ModelTree model, FileEntry file) {
    try {
      Layout layout = GgufHeader.isGguf(file.path()) ? gguf(model, file) : safetensors(model, file);
      int chunkSize = model.manifest().chunkSize();
      long next = layout.dataStart() / chunkSize; // the header's chunks are local by now
      int asked = 0;
      for (long[] t : layout.tensors()) {
        if (t[1] == t[0]) {
          continue;
        }
        long last = (t[1] - 1) / chunkSize;
        for (long c = Math.max(next, t[0] / chunkSize); c <= last; c++) {
          model.content().prefetch(file, (int) c);
          asked++;
        }
        next = Math.max(next, last + 1);
      }
      log.debug("prefetching {} chunks of {} tensors of '{}' in {}", asked, layout.tensors().size(), file.path(), model.ref());
      return asked;
    } catch (FsException | IllegalArgumentException e) {
      log.warn("not prefetching tensors of '{}' in {}: {}", file.path(), model.ref(), e.getMessage());
      return 0;
    } catch (RuntimeException e) {
      log.warn("not prefetching tensors of '{}' in {}: unexpected {}", file.path(), model.ref(), e.toString(), e);
      return 0;
    }
  }

  private static Layout gguf(ModelTree model, FileEntry file) throws FsException {
    int chunkSize = model.manifest().chunkSize();
    GgufHeader header = GgufHeader.parse((offset, dst) -> {
      long next = (offset + dst.remaining() + chunkSize - 1) / chunkSize;
      if (next < file.chunks().size()) {
        model.content().prefetch(file, (int) next); // the header may go on: one more fetch in flight
      }
      OpenFile.readRange(model, file, offset, dst.remaining(), dst);
    }, file.size());
    return new Layout(header.dataStart(), header.tensors().stream().map(t -> new long[] {t.begin(), t.end()}).toList());
  }

  private static Layout safetensors(ModelTree model, FileEntry file) throws FsException {
    SafetensorsHeader header = safetensorsHeader(model, file);
    return new Layout(header.dataStart(), header.tensors().stream().map(t -> new long[] {t.begin(), t.end()}).toList());
  }

  private static SafetensorsHeader safetensorsHeader(ModelTree model, FileEntry file) throws FsException {
    ByteBuffer prefix = ByteBuffer.allocate(SafetensorsHeader.PREFIX);
    OpenFile.readRange(model, file, 0, SafetensorsHeader.PREFIX, prefix);
    long length = SafetensorsHeader.headerLength(prefix.flip(), file.size());
    if (length > MAX_PREFETCHED_HEADER) {
      throw new IllegalArgumentException("header of " + length + " bytes is larger than the "
          + MAX_PREFETCHED_HEADER + " bytes read for prefetching");
    }
    ByteBuffer json = ByteBuffer.allocate((int) length);
    OpenFile.readRange(model, file, SafetensorsHeader.PREFIX, (int) length, json);
    return SafetensorsHeader.parse(json.array(), file.size());
  }
}
