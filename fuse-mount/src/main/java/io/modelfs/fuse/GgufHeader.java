package io.modelfs.fuse;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The tensor layout of a GGUF file (llama.cpp's format), from its header. All integers are
 * little-endian; a string is {@code <u64 length><UTF-8 bytes>}:
 *
 * <pre>
 *   "GGUF" <u32 version 2|3> <u64 tensor_count> <u64 metadata_kv_count>
 *   metadata_kv_count x { <string key> <u32 value_type> <value> }
 *       value: u8 i8 u16 i16 u32 i32 f32 bool(u8) string u64 i64 f64 (types 0..12), or
 *       array (9): <u32 element_type> <u64 count> count x element (no arrays of arrays)
 *   tensor_count x { <string name> <u32 n_dims 1..4> n_dims x <u64 dim> <u32 ggml_type> <u64 offset> }
 *   padding to general.alignment (u32, a power of two; default 32) -- the data section starts here
 * </pre>
 *
 * Tensor offsets are relative to the data section and multiples of the alignment; a tensor's
 * size follows from its ggml type's block size and bytes per block.
 *
 * <p>The header comes from whoever published the model and has no length prefix, so it is
 * parsed from a {@link Source} that reads the file's bytes on demand, with everything bounded:
 * the header may span at most {@link #MAX_HEADER_BYTES}, counts at most {@link #MAX_TENSORS} /
 * {@link #MAX_METADATA}, names at most {@link #MAX_NAME} bytes, and nothing is allocated beyond
 * bytes that exist in the file (arrays are checked and skipped, strings longer than
 * {@link #MAX_STORED_STRING} are skipped). Tensors must lie in the file, not overflow, have a
 * known ggml type and an aligned offset; keys and tensor names must be unique. Errors are
 * {@link IllegalArgumentException}s naming what is wrong and where; the source's own exception
 * passes through; nothing else is thrown.
 */
record GgufHeader(int version, long alignment, long dataStart, Map<String, Object> metadata, List<Tensor> tensors) {
  static final int MAGIC = 0x46554747; // "GGUF" read as a little-endian u32
  static final long DEFAULT_ALIGNMENT = 32;
  static final long MAX_HEADER_BYTES = 64L << 20;
  static final long MAX_TENSORS = 1 << 20;
  static final long MAX_METADATA = 1 << 20;
  static final int MAX_NAME = 64 << 10;
  static final int MAX_STORED_STRING = 64 << 10;
  static final int MAX_DIMS = 4;

  /** The GGUF metadata value types, by their number in the file. */
  enum ValueType {
    UINT8(1), INT8(1), UINT16(2), INT16(2), UINT32(4), INT32(4), FLOAT32(4), BOOL(1), STRING(-1), ARRAY(-1),
    UINT64(8), INT64(8), FLOAT64(8);

    /** Bytes per value, or -1 when variable. */
    final int size;

    ValueType(int size) {
      this.size = size;
    }
  }

  /** A metadata array, checked and skipped: its element type and length. */
  record Array(ValueType elementType, long length) {}

  /** A metadata string longer than {@link #MAX_STORED_STRING}, checked and skipped. */
  record LongString(long length) {}

  /** One tensor: its ggml type number, dims, and bytes as absolute file offsets {@code [begin, end)}. */
  record Tensor(String name, int type, List<Long> dims, long begin, long end) {
    Tensor {
      dims = List.copyOf(dims);
    }
  }

  /**
   * Where the header's bytes come from: fills {@code dst} with the file's bytes from {@code offset}
   * (the caller stays inside the file), or throws.
   */
  @FunctionalInterface
  interface Source<E extends Exception> {
    void read(long offset, ByteBuffer dst) throws E;
  }

  GgufHeader {
    metadata = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
    tensors = List.copyOf(tensors);
  }

  /** Whether {@code path} names a GGUF file. */
  static boolean isGguf(String path) {
    return path.endsWith(".gguf");
  }

  /** Parses the header of the {@code fileSize}-byte file {@code source} reads; tensors in file order. */
  static <E extends Exception> GgufHeader parse(Source<E> source, long fileSize) throws E {
    return new Parser<>(source, fileSize).header();
  }

  /** Parses a whole file held in memory. */
  static GgufHeader parse(byte[] file) {
    return parse((offset, dst) -> dst.put(file, (int) offset, dst.remaining()), file.length);
  }

  // ggml types by number: {block size in elements, bytes per block}; null = unknown or removed.
  private static final int[][] GGML_TYPES = {
      {1, 4}, {1, 2}, {32, 18}, {32, 20}, null, null, {32, 22}, {32, 24}, {32, 34}, {32, 36}, // F32 F16 Q4_0 Q4_1 - - Q5_0 Q5_1 Q8_0 Q8_1
      {256, 84}, {256, 110}, {256, 144}, {256, 176}, {256, 210}, {256, 292}, // Q2_K..Q8_K
      {256, 66}, {256, 74}, {256, 98}, {256, 50}, {32, 18}, {256, 110}, {256, 82}, {256, 136}, // IQ2_XXS IQ2_XS IQ3_XXS IQ1_S IQ4_NL IQ3_S IQ2_S IQ4_XS
      {1, 1}, {1, 2}, {1, 4}, {1, 8}, {1, 8}, {256, 56}, {1, 2}, // I8 I16 I32 I64 F64 IQ1_M BF16
      null, null, null, {256, 54}, {256, 66}, null, null, null, {32, 17}}; // - - - TQ1_0 TQ2_0 - - - MXFP4

  /** Bytes of a tensor of {@code type} with {@code elements} elements, its first dim being {@code dim0}. */
  static long tensorBytes(String name, int type, long dim0, long elements) {
    int[] t = type >= 0 && type < GGML_TYPES.length ? GGML_TYPES[type] : null;
    if (t == null) {
      throw new IllegalArgumentException("GGUF tensor '" + name + "' has unknown ggml type " + Integer.toUnsignedString(type));
    }
    if (dim0 % t[0] != 0) {
      throw new IllegalArgumentException("GGUF tensor '" + name + "' of ggml type " + type + " has first dimension " + dim0
          + ", not a multiple of its block size " + t[0]);
    }
    return Math.multiplyExact(elements / t[0], (long) t[1]);
  }

  /** One pass over the header through a window of the file's bytes. */
  private static final class Parser<E extends Exception> {
    private static final int WINDOW = 1 << 20;

    private final Source<E> source;
    private final long fileSize;
    private final long limit;
    private ByteBuffer window = ByteBuffer.allocate(0);
    private long windowStart;
    private long pos;

    Parser(Source<E> source, long fileSize) {
      this.source = source;
      this.fileSize = fileSize;
      this.limit = Math.min(fileSize, MAX_HEADER_BYTES);
    }

    GgufHeader header() throws E {
      int magic = (int) u32("magic");
      if (magic != MAGIC) {
        throw new IllegalArgumentException("not a GGUF file: magic 0x" + Integer.toHexString(Integer.reverseBytes(magic))
            + " is not 0x47475546 (\"GGUF\")");
      }
      long version = u32("version");
      if (version != 2 && version != 3) {
        String why = version == 1 ? " (version 1 has 32-bit counts; convert the file)"
            : (version & 0xFFFF) == 0 ? " (a big-endian GGUF file?)" : "";
        throw new IllegalArgumentException("GGUF version " + version + " is not supported; expected 2 or 3" + why);
      }
      long tensorCount = count(u64("tensor count"), MAX_TENSORS, "tensor count");
      long kvCount = count(u64("metadata count"), MAX_METADATA, "metadata count");
      Map<String, Object> metadata = new LinkedHashMap<>();
      for (long i = 0; i < kvCount; i++) {
        String key = string(MAX_NAME, "metadata key " + i);
        ValueType type = valueType("metadata '" + key + "'");
        Object value = value(type, "metadata '" + key + "'");
        if (metadata.put(key, value) != null) {
          throw new IllegalArgumentException("GGUF metadata key '" + key + "' appears twice");
        }
      }
      long alignment = alignment(metadata.get("general.alignment"));
      List<long[]> infos = new ArrayList<>();
      List<String> names = new ArrayList<>();
      List<Integer> types = new ArrayList<>();
      List<List<Long>> allDims = new ArrayList<>();
      Set<String> seen = new HashSet<>();
      for (long i = 0; i < tensorCount; i++) {
        String name = string(MAX_NAME, "tensor name " + i);
        if (!seen.add(name)) {
          throw new IllegalArgumentException("GGUF tensor '" + name + "' appears twice");
        }
        long nDims = u32("n_dims of tensor '" + name + "'");
        if (nDims < 1 || nDims > MAX_DIMS) {
          throw new IllegalArgumentException("GGUF tensor '" + name + "' has " + nDims + " dimensions; expected 1.." + MAX_DIMS);
        }
        List<Long> dims = new ArrayList<>();
        long elements = 1;
        for (int d = 0; d < nDims; d++) {
          long dim = u64("dimension " + d + " of tensor '" + name + "'");
          if (dim < 0) {
            throw new IllegalArgumentException("GGUF tensor '" + name + "' has dimension " + Long.toUnsignedString(dim)
                + ", larger than 2^63-1");
          }
          try {
            elements = Math.multiplyExact(elements, dim);
          } catch (ArithmeticException e) {
            throw new IllegalArgumentException("GGUF tensor '" + name + "' has dimensions " + dims + " x " + dim
                + " whose product overflows");
          }
          dims.add(dim);
        }
        int type = (int) u32("type of tensor '" + name + "'");
        long offset = u64("offset of tensor '" + name + "'");
        long bytes;
        try {
          bytes = tensorBytes(name, type, dims.get(0), elements);
        } catch (ArithmeticException e) {
          throw new IllegalArgumentException("GGUF tensor '" + name + "' of dimensions " + dims + " overflows a 64-bit size");
        }
        if (offset < 0 || Long.remainderUnsigned(offset, alignment) != 0) {
          throw new IllegalArgumentException("GGUF tensor '" + name + "' has offset " + Long.toUnsignedString(offset)
              + ", not a multiple of the alignment " + alignment);
        }
        names.add(name);
        types.add(type);
        allDims.add(dims);
        infos.add(new long[] {offset, bytes});
      }
      long dataStart = (pos + alignment - 1) / alignment * alignment;
      List<Tensor> tensors = new ArrayList<>();
      for (int i = 0; i < infos.size(); i++) {
        long offset = infos.get(i)[0];
        long bytes = infos.get(i)[1];
        if (offset > fileSize - dataStart || bytes > fileSize - dataStart - offset) {
          throw new IllegalArgumentException("GGUF tensor '" + names.get(i) + "' of " + bytes + " bytes at data offset "
              + offset + " runs past the end of the " + fileSize + "-byte file (data starts at " + dataStart + ")");
        }
        tensors.add(new Tensor(names.get(i), types.get(i), allDims.get(i), dataStart + offset, dataStart + offset + bytes));
      }
      tensors.sort(Comparator.comparingLong(Tensor::begin).thenComparingLong(Tensor::end));
      return new GgufHeader((int) version, alignment, dataStart, metadata, tensors);
    }

    private static long alignment(Object value) {
      if (value == null) {
        return DEFAULT_ALIGNMENT;
      }
      if (!(value instanceof Long a) || a <= 0 || a > (1L << 30) || Long.bitCount(a) != 1) {
        throw new IllegalArgumentException("GGUF general.alignment " + value + " is not a power of two in 1..2^30");
      }
      return a;
    }

    private static long count(long n, long max, String what) {
      if (n < 0 || n > max) {
        throw new IllegalArgumentException("GGUF " + what + " " + Long.toUnsignedString(n) + " is more than " + max);
      }
      return n;
    }

    private ValueType valueType(String what) throws E {
      long t = u32("value type of " + what);
      if (t >= ValueType.values().length) {
        throw new IllegalArgumentException("GGUF " + what + " has unknown value type " + t);
      }
      return ValueType.values()[(int) t];
    }

    private Object value(ValueType type, String what) throws E {
      switch (type) {
        case UINT8: return (long) (bytes(1, what).get() & 0xFF);
        case INT8: return (long) bytes(1, what).get();
        case UINT16: return (long) (bytes(2, what).getShort() & 0xFFFF);
        case INT16: return (long) bytes(2, what).getShort();
        case UINT32: return bytes(4, what).getInt() & 0xFFFFFFFFL;
        case INT32: return (long) bytes(4, what).getInt();
        case UINT64: case INT64: return bytes(8, what).getLong(); // UINT64 as its bit pattern
        case FLOAT32: return bytes(4, what).getFloat();
        case FLOAT64: return bytes(8, what).getDouble();
        case BOOL: {
          byte b = bytes(1, what).get();
          if (b != 0 && b != 1) {
            throw new IllegalArgumentException("GGUF " + what + " is a bool of value " + b + ", not 0 or 1");
          }
          return b == 1;
        }
        case STRING: {
          long length = u64("length of " + what);
          if (length >= 0 && length <= MAX_STORED_STRING) {
            return string(length, what);
          }
          skip(length, what);
          return new LongString(length);
        }
        default: return array(what);
      }
    }

    private Array array(String what) throws E {
      ValueType element = valueType("array " + what);
      long length = u64("length of array " + what);
      if (element == ValueType.ARRAY) {
        throw new IllegalArgumentException("GGUF " + what + " is an array of arrays, which GGUF readers reject");
      }
      if (length < 0 || length > (limit - pos) / (element == ValueType.STRING ? 8 : element.size)) {
        throw new IllegalArgumentException("GGUF " + what + " is an array of " + Long.toUnsignedString(length) + " "
            + element + " values, more than the " + (limit - pos) + " header bytes left can hold");
      }
      if (element == ValueType.STRING) {
        for (long i = 0; i < length; i++) {
          skip(u64("length of string " + i + " of " + what), "string " + i + " of " + what);
        }
      } else if (element == ValueType.BOOL) {
        for (long i = 0; i < length; i++) {
          value(ValueType.BOOL, "element " + i + " of " + what);
        }
      } else {
        skip(length * element.size, what);
      }
      return new Array(element, length);
    }

    private String string(int max, String what) throws E {
      long length = u64("length of " + what);
      if (length < 0 || length > max) {
        throw new IllegalArgumentException("GGUF " + what + " has length " + Long.toUnsignedString(length)
            + ", more than " + max + " bytes");
      }
      return string(length, what);
    }

    private String string(long length, String what) throws E {
      ByteBuffer utf8 = bytes((int) length, what);
      try {
        return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT).decode(utf8).toString();
      } catch (CharacterCodingException e) {
        throw new IllegalArgumentException("GGUF " + what + " at offset " + (pos - length) + " is not valid UTF-8");
      }
    }

    private long u32(String what) throws E {
      return bytes(4, what).getInt() & 0xFFFFFFFFL;
    }

    private long u64(String what) throws E {
      return bytes(8, what).getLong();
    }

    /** Advances past {@code n} bytes that must lie inside the header's bounds. */
    private void skip(long n, String what) throws E {
      need(n, what);
      pos += n;
    }

    private void need(long n, String what) {
      if (n < 0 || n > limit - pos) {
        String bound = limit < fileSize ? "the " + MAX_HEADER_BYTES + "-byte limit on a GGUF header"
            : "the end of the " + fileSize + "-byte file";
        throw new IllegalArgumentException("GGUF " + what + " at offset " + pos + " needs "
            + Long.toUnsignedString(n) + " bytes, past " + bound);
      }
    }

    /** The next {@code n} bytes as a little-endian view, reading a new window when needed. */
    private ByteBuffer bytes(int n, String what) throws E {
      need(n, what);
      long inWindow = pos - windowStart;
      if (inWindow < 0 || inWindow + n > window.limit()) {
        int size = (int) Math.min(Math.max(n, WINDOW), limit - pos);
        ByteBuffer fresh = ByteBuffer.allocate(size);
        source.read(pos, fresh);
        if (fresh.hasRemaining()) {
          throw new IllegalArgumentException("GGUF source gave " + fresh.position() + " of " + size + " bytes at offset " + pos);
        }
        window = fresh.flip();
        windowStart = pos;
        inWindow = 0;
      }
      ByteBuffer view = window.slice((int) inWindow, n).order(ByteOrder.LITTLE_ENDIAN);
      pos += n;
      return view;
    }
  }
}
