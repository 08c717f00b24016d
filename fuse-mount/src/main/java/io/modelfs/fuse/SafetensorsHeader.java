package io.modelfs.fuse;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * The tensor layout of a safetensors file, from its header. The file is
 * {@code <u64 little-endian N><N bytes of JSON><data>}; the JSON maps each tensor name to
 * {@code {"dtype": s, "shape": [ints], "data_offsets": [begin, end]}} (offsets relative to
 * the data section), plus an optional {@code "__metadata__"} map of strings.
 *
 * <p>The header comes from whoever published the model: everything is validated — the length
 * is at most {@link #MAX_HEADER_LENGTH} and fits in the file, the JSON is strict
 * ({@link JsonReader}), every tensor has a dtype, a shape of non-negative integers and offsets
 * with {@code 0 <= begin <= end <= data size}. Errors are {@link IllegalArgumentException}s
 * naming what is wrong; nothing else is thrown. Overlapping or gapped tensors are accepted
 * (the layout only guides prefetching; the bytes served are always the file's).
 */
record SafetensorsHeader(long headerLength, List<Tensor> tensors) {
  /** The limit the reference implementation enforces (safetensors' MAX_HEADER_SIZE). */
  static final long MAX_HEADER_LENGTH = 100_000_000;
  /** The 8-byte length prefix. */
  static final int PREFIX = 8;

  /** One tensor's bytes, as absolute offsets in the file: {@code [begin, end)}. */
  record Tensor(String name, long begin, long end) {}

  SafetensorsHeader {
    tensors = List.copyOf(tensors);
  }

  /** Offset of the first byte of the data section. */
  long dataStart() {
    return PREFIX + headerLength;
  }

  /** Whether {@code path} names a safetensors file. */
  static boolean isSafetensors(String path) {
    return path.endsWith(".safetensors");
  }

  /**
   * The header length from the file's first 8 bytes, checked against the limit and against
   * {@code fileSize}.
   */
  static long headerLength(ByteBuffer prefix, long fileSize) {
    if (prefix.remaining() < PREFIX) {
      throw new IllegalArgumentException("safetensors file of " + fileSize + " bytes is shorter than its 8-byte header length");
    }
    long n = prefix.duplicate().order(ByteOrder.LITTLE_ENDIAN).getLong();
    if (n < 2 || n > MAX_HEADER_LENGTH) {
      throw new IllegalArgumentException("safetensors header length " + Long.toUnsignedString(n)
          + " is outside 2.." + MAX_HEADER_LENGTH);
    }
    if (PREFIX + n > fileSize) {
      throw new IllegalArgumentException("safetensors header length " + n + " runs past the end of the "
          + fileSize + "-byte file");
    }
    return n;
  }

  /**
   * Parses the header JSON {@code json} (exactly {@code headerLength} bytes, as read after the
   * prefix) of a file of {@code fileSize} bytes; tensors come back in file order.
   */
  static SafetensorsHeader parse(byte[] json, long fileSize) {
    long headerLength = json.length;
    if (headerLength < 2 || headerLength > MAX_HEADER_LENGTH || PREFIX + headerLength > fileSize) {
      throw new IllegalArgumentException("safetensors header of " + headerLength + " bytes does not fit a "
          + fileSize + "-byte file");
    }
    // The reference writer pads the JSON with spaces to an 8-byte boundary; JsonReader skips them.
    if (!(JsonReader.parse(json) instanceof Map<?, ?> root)) {
      throw new IllegalArgumentException("safetensors header is not a JSON object");
    }
    long dataSize = fileSize - PREFIX - headerLength;
    List<Tensor> tensors = new ArrayList<>();
    for (Map.Entry<?, ?> e : root.entrySet()) {
      String name = (String) e.getKey();
      if (name.equals("__metadata__")) {
        checkMetadata(e.getValue());
        continue;
      }
      tensors.add(tensor(name, e.getValue(), PREFIX + headerLength, dataSize));
    }
    tensors.sort(Comparator.comparingLong(Tensor::begin).thenComparingLong(Tensor::end));
    return new SafetensorsHeader(headerLength, tensors);
  }

  private static Tensor tensor(String name, Object value, long dataStart, long dataSize) {
    if (!(value instanceof Map<?, ?> info)) {
      throw new IllegalArgumentException("tensor '" + name + "' is not a JSON object");
    }
    if (!(info.get("dtype") instanceof String)) {
      throw new IllegalArgumentException("tensor '" + name + "' has no string dtype");
    }
    if (!(info.get("shape") instanceof List<?> shape)) {
      throw new IllegalArgumentException("tensor '" + name + "' has no shape list");
    }
    for (Object dim : shape) {
      nonNegative(name, "shape", dim, Long.MAX_VALUE);
    }
    if (!(info.get("data_offsets") instanceof List<?> offsets) || offsets.size() != 2) {
      throw new IllegalArgumentException("tensor '" + name + "' needs data_offsets [begin, end]");
    }
    long begin = nonNegative(name, "data_offsets", offsets.get(0), dataSize);
    long end = nonNegative(name, "data_offsets", offsets.get(1), dataSize);
    if (begin > end) {
      throw new IllegalArgumentException("tensor '" + name + "' begins at " + begin + " after it ends at " + end);
    }
    return new Tensor(name, dataStart + begin, dataStart + end);
  }

  private static long nonNegative(String tensor, String field, Object v, long max) {
    if (!(v instanceof BigInteger n) || n.signum() < 0 || n.compareTo(BigInteger.valueOf(max)) > 0) {
      throw new IllegalArgumentException("tensor '" + tensor + "' has " + field + " value " + v
          + " that is not an integer in 0.." + max);
    }
    return n.longValue();
  }

  private static void checkMetadata(Object value) {
    if (!(value instanceof Map<?, ?> metadata)) {
      throw new IllegalArgumentException("safetensors __metadata__ is not a JSON object");
    }
    for (Map.Entry<?, ?> m : metadata.entrySet()) {
      if (!(m.getValue() instanceof String)) {
        throw new IllegalArgumentException("safetensors __metadata__ value of '" + m.getKey() + "' is not a string");
      }
    }
  }
}
