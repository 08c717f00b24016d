package io.modelfs.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TlsFilesTest {
  @TempDir Path dir;

  @Test
  void noFlagsIsNoTlsAndAllThreeAreFiles() throws IOException {
    assertNull(TlsFiles.fromFlags(null, null, null));
    Path cert = Files.writeString(dir.resolve("c.pem"), "x");
    Path key = Files.writeString(dir.resolve("k.pem"), "x");
    Path ca = Files.writeString(dir.resolve("ca.pem"), "x");
    assertEquals(new TlsFiles(cert, key, ca), TlsFiles.fromFlags(cert, key, ca));
  }

  @Test
  void someFlagsWithoutTheOthersOrAMissingFileAreRefusedByName() throws IOException {
    Path cert = Files.writeString(dir.resolve("c.pem"), "x");
    var partial = assertThrows(IllegalArgumentException.class, () -> TlsFiles.fromFlags(cert, null, null));
    assertTrue(partial.getMessage().contains("missing --tls-key, --tls-ca"), partial.getMessage());
    var missing = assertThrows(IllegalArgumentException.class,
        () -> TlsFiles.fromFlags(cert, dir.resolve("nope.pem"), cert));
    assertTrue(missing.getMessage().contains("--tls-key") && missing.getMessage().contains("nope.pem"), missing.getMessage());
  }
}
