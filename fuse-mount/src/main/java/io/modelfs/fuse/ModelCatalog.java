package io.modelfs.fuse;

import io.modelfs.core.ModelRef;
import java.io.IOException;
import java.util.Optional;

/**
 * Finds models by ref for the filesystem. Implemented by the agent (manifest locations, later
 * the tracker). Must be thread-safe.
 */
public interface ModelCatalog {
  /**
   * Returns the model whose manifest bytes hash to {@code ref}'s digest, or empty if no
   * manifest location has it. Throws if a location could not be asked or held bytes that do
   * not match or do not parse.
   */
  Optional<ModelContent> open(ModelRef ref) throws IOException;

  /**
   * The ref that {@code nameTag} ({@code NAME:TAG}) points at now, or empty if no such name is
   * known (the default: a catalog without names). Throws if the name service could not be asked.
   */
  default Optional<ModelRef> resolveName(String nameTag) throws IOException {
    return Optional.empty();
  }
}
