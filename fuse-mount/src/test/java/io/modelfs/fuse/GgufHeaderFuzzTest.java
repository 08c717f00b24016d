package io.modelfs.fuse;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.HashSet;
import java.util.Set;

/**
 * A GGUF file comes from whoever published the model; the mount parses its header to plan
 * prefetching. Any bytes must give a layout inside the file or an
 * {@link IllegalArgumentException} — never another exception, a loop without end or an
 * allocation beyond the file's own bytes (bin/fuzz runs with a bounded heap). The input is a
 * whole file.
 *
 * <p>{@code mvn verify} replays the committed corpus in {@code GgufHeaderFuzzTestInputs/};
 * {@code bin/fuzz Gguf} fuzzes with {@code JAZZER_FUZZ=1}.
 */
class GgufHeaderFuzzTest {
  @FuzzTest(maxDuration = "30s")
  void parse(byte[] file) {
    GgufHeader header;
    try {
      header = GgufHeader.parse(file);
    } catch (IllegalArgumentException e) {
      assertTrue(e.getMessage() != null && !e.getMessage().isBlank(), "an error says what is wrong");
      return;
    }
    assertTrue(header.dataStart() % header.alignment() == 0, "data section not aligned: " + header.dataStart());
    long previous = header.dataStart();
    Set<String> names = new HashSet<>();
    for (GgufHeader.Tensor t : header.tensors()) {
      assertTrue(t.begin() >= header.dataStart() && t.begin() <= t.end() && t.end() <= file.length,
          "tensor " + t + " outside the data section [" + header.dataStart() + ", " + file.length + ")");
      assertTrue(t.begin() >= previous, "tensors not in file order");
      assertTrue(names.add(t.name()), "tensor name twice: " + t.name());
      previous = t.begin();
    }
  }
}
