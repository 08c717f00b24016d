package io.modelfs.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * A safetensors file comes from whoever published the model; the mount reads its header to
 * plan prefetching. Any bytes must give a layout inside the file or an
 * {@link IllegalArgumentException} — never another exception, deep recursion or an allocation
 * beyond the header's own bytes. The input is a whole file: 8-byte little-endian length, JSON,
 * data.
 *
 * <p>{@code mvn verify} replays the committed corpus in {@code SafetensorsHeaderFuzzTestInputs/};
 * {@code bin/fuzz} fuzzes with {@code JAZZER_FUZZ=1}.
 */
class SafetensorsHeaderFuzzTest {
  @FuzzTest(maxDuration = "30s")
  void parse(byte[] file) {
    long length;
    SafetensorsHeader header;
    try {
      length = SafetensorsHeader.headerLength(ByteBuffer.wrap(file, 0, Math.min(file.length, SafetensorsHeader.PREFIX)), file.length);
      byte[] json = Arrays.copyOfRange(file, SafetensorsHeader.PREFIX, SafetensorsHeader.PREFIX + (int) length);
      header = SafetensorsHeader.parse(json, file.length);
    } catch (IllegalArgumentException e) {
      assertTrue(e.getMessage() != null && !e.getMessage().isBlank(), "an error says what is wrong");
      return;
    }
    assertEquals(length, header.headerLength());
    long previous = header.dataStart();
    for (SafetensorsHeader.Tensor t : header.tensors()) {
      assertTrue(t.begin() >= header.dataStart() && t.begin() <= t.end() && t.end() <= file.length,
          "tensor " + t + " outside the data section [" + header.dataStart() + ", " + file.length + ")");
      assertTrue(t.begin() >= previous, "tensors not in file order");
      previous = t.begin();
    }
  }
}
