package io.modelfs.agent.demo;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Writes a small model that looks like a Hugging Face checkpoint: sharded safetensors files
 * with real headers (8-byte little-endian header length, JSON tensor table, 8-byte aligned
 * data), plus the small JSON files loaders read first. Tensor bytes are seeded pseudo-random, so
 * the same seed and size give the same files.
 */
public final class SampleModel {
  private static final long SHARD_BYTES = 96L << 20;
  private static final int COLUMNS = 2048;
  private static final int F16 = 2;
  private static final long TENSOR_BYTES = 8L << 20;

  private SampleModel() {}

  /** Generates about {@code totalBytes} of weights into {@code dir}; returns the files written. */
  public static List<Path> generate(Path dir, long totalBytes, long seed) throws IOException {
    Files.createDirectories(dir);
    List<Path> written = new ArrayList<>();
    int shards = (int) Math.max(1, (totalBytes + SHARD_BYTES - 1) / SHARD_BYTES);
    long perShard = Math.max(TENSOR_BYTES, totalBytes / shards);
    SplittableRandom random = new SplittableRandom(seed);
    int layer = 0;
    for (int s = 1; s <= shards; s++) {
      Path p = dir.resolve(String.format("model-%05d-of-%05d.safetensors", s, shards));
      layer = writeShard(p, perShard, layer, random.split());
      written.add(p);
    }
    written.add(writeText(dir.resolve("config.json"),
        "{\n  \"architectures\": [\"DemoForCausalLM\"],\n  \"hidden_size\": " + COLUMNS
            + ",\n  \"num_hidden_layers\": " + layer + ",\n  \"torch_dtype\": \"float16\"\n}\n"));
    written.add(writeText(dir.resolve("generation_config.json"), "{\n  \"max_new_tokens\": 64\n}\n"));
    written.add(writeText(dir.resolve("tokenizer/tokenizer_config.json"), "{\n  \"model_max_length\": 4096\n}\n"));
    return written;
  }

  private static int writeShard(Path p, long bytes, int firstLayer, SplittableRandom random) throws IOException {
    StringBuilder header = new StringBuilder("{\"__metadata__\":{\"format\":\"pt\"}");
    long offset = 0;
    int layer = firstLayer;
    while (offset < bytes) {
      long size = Math.min(TENSOR_BYTES, bytes - offset);
      long rows = Math.max(1, size / (COLUMNS * F16));
      size = rows * COLUMNS * F16;
      header.append(String.format(",\"model.layers.%d.mlp.weight\":{\"dtype\":\"F16\",\"shape\":[%d,%d],\"data_offsets\":[%d,%d]}",
          layer++, rows, COLUMNS, offset, offset + size));
      offset += size;
    }
    header.append('}');
    while ((8 + header.length()) % 8 != 0) {
      header.append(' ');
    }
    byte[] json = header.toString().getBytes(StandardCharsets.UTF_8);
    try (FileChannel ch = FileChannel.open(p, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.TRUNCATE_EXISTING)) {
      ByteBuffer prefix = ByteBuffer.allocate(8 + json.length).order(ByteOrder.LITTLE_ENDIAN);
      prefix.putLong(json.length).put(json).flip();
      writeFully(ch, prefix);
      ByteBuffer block = ByteBuffer.allocateDirect(4 << 20).order(ByteOrder.LITTLE_ENDIAN);
      for (long left = offset; left > 0; ) {
        block.clear();
        int n = (int) Math.min(block.capacity(), left);
        while (block.position() + 8 <= n) {
          block.putLong(random.nextLong());
        }
        while (block.position() < n) {
          block.put((byte) random.nextInt());
        }
        block.flip();
        writeFully(ch, block);
        left -= n;
      }
    }
    return layer;
  }

  private static Path writeText(Path p, String text) throws IOException {
    Files.createDirectories(p.getParent());
    Files.writeString(p, text);
    return p;
  }

  private static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
    while (b.hasRemaining()) {
      ch.write(b);
    }
  }
}
