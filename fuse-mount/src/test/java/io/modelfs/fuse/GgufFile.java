package io.modelfs.fuse;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Writes GGUF files the way llama.cpp's gguf writer lays them out: header, metadata, tensor
 * infos, padding to the alignment, then each tensor's bytes padded to the alignment, in the
 * order added. Values are written raw so tests can also build hostile files.
 */
final class GgufFile {
  private final ByteArrayOutputStream kv = new ByteArrayOutputStream();
  private int kvCount;
  private final List<Object[]> tensors = new ArrayList<>();
  private int version = 3;
  private long alignment = GgufHeader.DEFAULT_ALIGNMENT;

  GgufFile version(int v) {
    version = v;
    return this;
  }

  /** Sets general.alignment (a UINT32) and pads with it. */
  GgufFile alignment(int a) {
    alignment = a;
    return u32("general.alignment", a);
  }

  GgufFile string(String key, String value) {
    return kv(key, 8, str(value));
  }

  GgufFile u32(String key, int value) {
    return kv(key, 4, le(4).putInt(value).array());
  }

  GgufFile u8(String key, int value) {
    return kv(key, 0, new byte[] {(byte) value});
  }

  GgufFile i16(String key, int value) {
    return kv(key, 3, le(2).putShort((short) value).array());
  }

  GgufFile u64(String key, long value) {
    return kv(key, 10, le(8).putLong(value).array());
  }

  GgufFile f32(String key, float value) {
    return kv(key, 6, le(4).putFloat(value).array());
  }

  GgufFile f64(String key, double value) {
    return kv(key, 12, le(8).putDouble(value).array());
  }

  GgufFile bool(String key, boolean value) {
    return kv(key, 7, new byte[] {(byte) (value ? 1 : 0)});
  }

  GgufFile strings(String key, List<String> values) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(le(12).putInt(8).putLong(values.size()).array());
    values.forEach(v -> out.writeBytes(str(v)));
    return kv(key, 9, out.toByteArray());
  }

  GgufFile floats(String key, float[] values) {
    ByteBuffer b = le(12 + 4 * values.length).putInt(6).putLong(values.length);
    for (float v : values) {
      b.putFloat(v);
    }
    return kv(key, 9, b.array());
  }

  /** A metadata entry of value type {@code type} whose value is {@code raw}, as given. */
  GgufFile kv(String key, int type, byte[] raw) {
    kv.writeBytes(str(key));
    kv.writeBytes(le(4).putInt(type).array());
    kv.writeBytes(raw);
    kvCount++;
    return this;
  }

  /** A tensor of ggml type {@code type} (0 F32, 1 F16, 8 Q8_0, 12 Q4_K, ...) and dims. */
  GgufFile tensor(String name, int type, long... dims) {
    tensors.add(new Object[] {name, type, dims});
    return this;
  }

  /** The file, with random tensor bytes from {@code random}; tensor offsets as the writer assigns them. */
  byte[] bytes(Random random) {
    ByteArrayOutputStream infos = new ByteArrayOutputStream();
    List<Long> sizes = new ArrayList<>();
    long offset = 0;
    for (Object[] t : tensors) {
      long[] dims = (long[]) t[2];
      long elements = 1;
      for (long d : dims) {
        elements *= d;
      }
      long size = GgufHeader.tensorBytes((String) t[0], (int) t[1], dims[0], elements);
      infos.writeBytes(str((String) t[0]));
      infos.writeBytes(le(4).putInt(dims.length).array());
      for (long d : dims) {
        infos.writeBytes(le(8).putLong(d).array());
      }
      infos.writeBytes(le(12).putInt((int) t[1]).putLong(offset).array());
      sizes.add(size);
      offset += pad(size);
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes("GGUF".getBytes(StandardCharsets.US_ASCII));
    out.writeBytes(le(20).putInt(version).putLong(tensors.size()).putLong(kvCount).array());
    out.writeBytes(kv.toByteArray());
    out.writeBytes(infos.toByteArray());
    out.writeBytes(new byte[(int) (pad(out.size()) - out.size())]);
    for (long size : sizes) {
      byte[] data = new byte[(int) pad(size)];
      random.nextBytes(data);
      out.writeBytes(data);
    }
    return out.toByteArray();
  }

  /** Offset of the data section of a file written by {@link #bytes}: where the header's padding ends. */
  long headerBytes() {
    return GgufHeader.parse(bytes(new Random(0))).dataStart();
  }

  private long pad(long n) {
    return (n + alignment - 1) / alignment * alignment;
  }

  static byte[] str(String s) {
    byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
    return le(8 + utf8.length).putLong(utf8.length).put(utf8).array();
  }

  static ByteBuffer le(int n) {
    return ByteBuffer.allocate(n).order(ByteOrder.LITTLE_ENDIAN);
  }
}
