package io.modelfs.fuse;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Random;

/** Builds valid safetensors files of random U8 tensors, laid out as the reference writer does. */
final class SafetensorsFile {
  private SafetensorsFile() {}

  /** A file with one tensor {@code t<i>} of {@code sizes[i]} bytes each, in that order. */
  static byte[] of(Random random, int... sizes) {
    StringBuilder json = new StringBuilder("{\"__metadata__\":{\"format\":\"pt\"}");
    long offset = 0;
    for (int i = 0; i < sizes.length; i++) {
      json.append(",\"t").append(i).append("\":{\"dtype\":\"U8\",\"shape\":[").append(sizes[i])
          .append("],\"data_offsets\":[").append(offset).append(',').append(offset + sizes[i]).append("]}");
      offset += sizes[i];
    }
    json.append('}');
    while (json.length() % 8 != 0) {
      json.append(' ');
    }
    byte[] header = json.toString().getBytes(StandardCharsets.UTF_8);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(header.length).array());
    out.writeBytes(header);
    byte[] data = new byte[(int) offset];
    random.nextBytes(data);
    out.writeBytes(data);
    return out.toByteArray();
  }
}
