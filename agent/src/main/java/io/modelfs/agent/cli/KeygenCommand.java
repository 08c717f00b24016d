package io.modelfs.agent.cli;

import io.modelfs.core.ManifestSignature;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "keygen",
    description = "Make an Ed25519 key pair for signing manifests: DIR/" + ManifestSignature.PRIVATE_KEY_FILE
        + " (PEM PKCS#8, mode 0600; for 'import --sign-key') and DIR/" + ManifestSignature.PUBLIC_KEY_FILE
        + " (PEM X.509; for 'agent --manifest-public-key'). Refuses to overwrite a key.")
final class KeygenCommand implements Callable<Integer> {
  @Option(names = "--out", required = true, paramLabel = "DIR", description = "Directory to write the key pair into (created if missing).")
  Path out;

  @Override
  public Integer call() throws Exception {
    Path priv = ManifestSignature.writeKeyPair(ManifestSignature.generate(), out);
    System.err.printf("wrote %s (private: keep it secret) and %s%n", priv, out.resolve(ManifestSignature.PUBLIC_KEY_FILE));
    return 0;
  }
}
