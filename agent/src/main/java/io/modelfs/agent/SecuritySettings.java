package io.modelfs.agent;

import io.modelfs.core.ManifestSignature;
import java.io.IOException;
import java.nio.file.Path;
import java.security.PublicKey;

/**
 * Who may use the agent and what it trusts, beyond the swarm's TLS ({@link SwarmSettings#tls()}).
 *
 * @param controlGroup the group that may use the control socket ({@code --control-group}: mode
 *     0660 with that group); null: the agent's user only (0600)
 * @param manifestKey the Ed25519 public key manifests must be signed with ({@code
 *     --manifest-public-key}); null: unsigned manifests are opened
 */
public record SecuritySettings(String controlGroup, PublicKey manifestKey) {
  public SecuritySettings {
    if (controlGroup != null && controlGroup.isBlank()) {
      controlGroup = null;
    }
  }

  /** The defaults: an owner-only control socket, manifests trusted by their hash alone. */
  public static SecuritySettings none() {
    return new SecuritySettings(null, null);
  }

  /** From the CLI's flags; throws an IOException naming the key file if it holds no Ed25519 public key. */
  public static SecuritySettings fromFlags(String controlGroup, Path manifestPublicKey) throws IOException {
    return new SecuritySettings(controlGroup,
        manifestPublicKey == null ? null : ManifestSignature.readPublicKey(manifestPublicKey));
  }
}
