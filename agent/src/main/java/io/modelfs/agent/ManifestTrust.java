package io.modelfs.agent;

import io.modelfs.core.ManifestSignature;
import io.modelfs.core.ManifestTrustException;
import io.modelfs.core.ModelRef;
import java.security.PublicKey;

/**
 * Whether the agent opens a model whose manifest is not signed: {@link #ANY} opens every manifest
 * that hashes to its ref; {@link #signedBy} opens only manifests whose {@code <hex>.sig} verifies
 * with the configured Ed25519 public key ({@code --manifest-public-key}). The ref already pins the
 * content; the signature says who published it.
 */
final class ManifestTrust {
  static final ManifestTrust ANY = new ManifestTrust(null);

  private final PublicKey key;

  private ManifestTrust(PublicKey key) {
    this.key = key;
  }

  static ManifestTrust signedBy(PublicKey key) {
    return key == null ? ANY : new ManifestTrust(key);
  }

  boolean requiresSignature() {
    return key != null;
  }

  /**
   * Throws {@link ManifestTrustException} naming the ref, where it was found and why, unless no
   * signature is required or {@code signature} (the {@code .sig} bytes, null if none) verifies.
   */
  void check(ModelRef ref, byte[] signature, String where) throws ManifestTrustException {
    if (key != null) {
      ManifestSignature.verify(key, ref, signature, where);
    }
  }
}
