package io.modelfs.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ManifestSignatureTest {
  private static final ModelRef REF = ModelRef.parse("m@sha256:" + "ab".repeat(32));
  private static final ModelRef OTHER = ModelRef.parse("m@sha256:" + "cd".repeat(32));

  @TempDir Path dir;

  @Test
  void signatureWrittenWithKeyFilesVerifiesWithThePublicKeyFile() throws IOException {
    ManifestSignature.writeKeyPair(ManifestSignature.generate(), dir);
    PrivateKey priv = ManifestSignature.readPrivateKey(dir.resolve(ManifestSignature.PRIVATE_KEY_FILE));
    PublicKey pub = ManifestSignature.readPublicKey(dir.resolve(ManifestSignature.PUBLIC_KEY_FILE));
    assertEquals("rw-------", PosixFilePermissions.toString(
        Files.getPosixFilePermissions(dir.resolve(ManifestSignature.PRIVATE_KEY_FILE))));
    ManifestSignature.verify(pub, REF, ManifestSignature.sign(priv, REF.digest()), "here");
  }

  @Test
  void refusesUnsignedTamperedForeignAndOtherManifestSignatures() {
    KeyPair k = ManifestSignature.generate();
    byte[] sig = ManifestSignature.sign(k.getPrivate(), REF.digest());
    var unsigned = assertThrows(ManifestTrustException.class, () -> ManifestSignature.verify(k.getPublic(), REF, null, "loc"));
    assertTrue(unsigned.getMessage().contains("is not signed") && unsigned.getMessage().contains(REF.toString()),
        unsigned.getMessage());
    byte[] tampered = sig.clone();
    tampered[3] = (byte) (tampered[3] == 'A' ? 'B' : 'A');
    assertThrows(ManifestTrustException.class, () -> ManifestSignature.verify(k.getPublic(), REF, tampered, "loc"));
    var foreign = assertThrows(ManifestTrustException.class,
        () -> ManifestSignature.verify(ManifestSignature.generate().getPublic(), REF, sig, "loc"));
    assertTrue(foreign.getMessage().contains("does not verify"), foreign.getMessage());
    assertThrows(ManifestTrustException.class, () -> ManifestSignature.verify(k.getPublic(), OTHER, sig, "loc"));
    assertThrows(ManifestTrustException.class,
        () -> ManifestSignature.verify(k.getPublic(), REF, "not base64!".getBytes(StandardCharsets.US_ASCII), "loc"));
  }

  @Test
  void refusesToOverwriteAKeyAndNamesABadKeyFile() throws IOException {
    ManifestSignature.writeKeyPair(ManifestSignature.generate(), dir);
    assertThrows(IOException.class, () -> ManifestSignature.writeKeyPair(ManifestSignature.generate(), dir));
    Path junk = Files.writeString(dir.resolve("junk.pem"), "hello");
    var e = assertThrows(IOException.class, () -> ManifestSignature.readPublicKey(junk));
    assertTrue(e.getMessage().contains(junk.toString()), e.getMessage());
    // a public key where a private one is expected
    assertThrows(IOException.class,
        () -> ManifestSignature.readPrivateKey(dir.resolve(ManifestSignature.PUBLIC_KEY_FILE)));
  }
}
