package io.modelfs.origin;

import io.modelfs.core.Digest;
import io.modelfs.core.Manifest;
import io.modelfs.core.ManifestCodec;
import io.modelfs.core.ManifestFormatException;
import io.modelfs.core.ManifestSignature;
import io.modelfs.core.ModelRef;
import io.modelfs.core.Sources;
import java.io.IOException;
import java.security.PrivateKey;
import java.util.List;
import java.util.Optional;

/**
 * A manifests location: an origin directory holding {@code <hex>.manifest} (the bytes the ref
 * hashes), {@code <hex>.sources} (where the model's bytes live) and optionally {@code <hex>.sig}
 * (its Ed25519 signature, {@link ManifestSignature}) for each model. Whatever is
 * read is hashed and checked against the ref asked for; a manifest is never re-serialized to
 * check it.
 */
public final class ManifestStore {
  private final Origin location;

  public ManifestStore(Origin location) {
    this.location = location;
  }

  /** A model found in a location: its verified manifest and its sources. */
  public record Found(ModelRef ref, Manifest manifest, Sources sources) {}

  public Origin location() {
    return location;
  }

  /** Writes the manifest and its sources; returns the ref. */
  public ModelRef publish(Importer.Result result) throws IOException {
    return publish(result, null);
  }

  /**
   * Writes the sources, the signature {@code <hex>.sig} made with {@code signingKey} (none when
   * null; see {@link ManifestSignature}), then the manifest, so a reader that finds the manifest
   * finds its signature too; returns the ref.
   */
  public ModelRef publish(Importer.Result result, PrivateKey signingKey) throws IOException {
    String hex = result.ref().digest().hex();
    location.put(hex + ".sources", ManifestCodec.encodeSources(result.sources()));
    if (signingKey != null) {
      location.put(hex + ManifestSignature.SUFFIX, ManifestSignature.sign(signingKey, result.ref().digest()));
    }
    location.put(hex + ".manifest", result.manifestBytes());
    return result.ref();
  }

  /** The bytes of {@code <hex>.sig} for {@code ref} here, or empty if this location has none. */
  public Optional<byte[]> signature(ModelRef ref) throws IOException {
    try {
      return Optional.of(location.readAll(ref.digest().hex() + ManifestSignature.SUFFIX, 4096));
    } catch (OriginException.NotFound e) {
      return Optional.empty();
    }
  }

  /**
   * Finds {@code ref} here. Empty if this location has no such manifest; throws {@link
   * ManifestFormatException} if it has bytes under that name that do not hash to the ref, do not
   * parse, or name another model.
   */
  public Optional<Found> find(ModelRef ref) throws IOException {
    String hex = ref.digest().hex();
    byte[] bytes;
    try {
      bytes = location.readAll(hex + ".manifest", ManifestCodec.MAX_MANIFEST_BYTES);
    } catch (OriginException.NotFound e) {
      return Optional.empty();
    }
    Digest actual = Digest.sha256(bytes);
    if (!actual.equals(ref.digest())) {
      throw new ManifestFormatException("manifest " + location.uri() + hex + ".manifest hashes to " + actual
          + ", not to the ref it is stored under; the location is corrupt or was tampered with");
    }
    Manifest manifest = ManifestCodec.decode(bytes);
    if (!manifest.name().equals(ref.name())) {
      throw new ManifestFormatException("manifest " + ref.digest().shortHex() + " is model '" + manifest.name()
          + "', not '" + ref.name() + "'; use the ref " + manifest.name() + "@sha256:" + hex);
    }
    Sources sources;
    try {
      sources = ManifestCodec.decodeSources(location.readAll(hex + ".sources", ManifestCodec.MAX_MANIFEST_BYTES));
    } catch (OriginException.NotFound e) {
      sources = new Sources(List.of());
    }
    return Optional.of(new Found(ref, manifest, sources));
  }
}
