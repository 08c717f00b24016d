package io.modelfs.tracker;

import io.modelfs.core.Digest;
import io.modelfs.core.Manifest;
import io.modelfs.core.ManifestCodec;
import io.modelfs.core.ManifestFormatException;
import io.modelfs.core.ModelRef;
import io.modelfs.core.Sources;
import java.util.Optional;

/**
 * The tracker as a source of manifests for an agent: resolves {@code NAME[:TAG]} to a ref and
 * fetches a ref's manifest and sources, checking that the bytes hash to the ref before
 * parsing them strictly — a tracker is trusted for names, never for content.
 *
 * <p>Errors: {@link TrackerException} with {@code UNAVAILABLE} when no replica answers (the
 * caller tries its next source), {@code INVALID} when the tracker sent bytes that do not match
 * the ref or do not parse.
 */
public final class TrackerManifests {
  /**
   * A verified manifest with the sources the tracker knows for it and the {@code <hex>.sig} bytes
   * published with it (null if none; not verified here: the agent holds the public key).
   */
  public record Found(ModelRef ref, byte[] manifestBytes, Manifest manifest, Sources sources, byte[] signature) {}

  private final TrackerClient client;

  public TrackerManifests(TrackerClient client) {
    this.client = client;
  }

  /** Resolves {@code name} or {@code name:tag} ("latest" when no tag). Empty if the tracker has no such name. */
  public Optional<ModelRef> resolve(String nameTag) throws TrackerException {
    int colon = nameTag.lastIndexOf(':');
    String name = colon < 0 ? nameTag : nameTag.substring(0, colon);
    String tag = colon < 0 ? Names.DEFAULT_TAG : nameTag.substring(colon + 1);
    try {
      ModelRef.checkName(name);
    } catch (IllegalArgumentException e) {
      throw TrackerException.invalid("'%s' is not NAME[:TAG]: %s", Names.abbreviate(nameTag), e.getMessage());
    }
    return client.resolve(name, Names.tag(tag));
  }

  /** The manifest of {@code ref}, verified against it. Empty if the tracker does not have it. */
  public Optional<Found> find(ModelRef ref) throws TrackerException {
    Optional<TrackerClient.Published> p = client.manifest(ref.digest());
    if (p.isEmpty()) {
      return Optional.empty();
    }
    byte[] bytes = p.get().manifest();
    Digest actual = Digest.sha256(bytes);
    if (!actual.equals(ref.digest())) {
      throw TrackerException.invalid("tracker sent a manifest for %s whose bytes hash to %s", ref, actual.hex());
    }
    try {
      return Optional.of(new Found(ref, bytes, ManifestCodec.decode(bytes), ManifestCodec.decodeSources(p.get().sources()),
          p.get().signature()));
    } catch (ManifestFormatException e) {
      throw TrackerException.invalid("tracker sent a malformed manifest or sources for %s: %s", ref, e.getMessage());
    }
  }
}
