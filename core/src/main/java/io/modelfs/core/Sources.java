package io.modelfs.core;

import java.util.List;
import java.util.Map;

/**
 * Where a model's bytes can be read: one or more bindings, each a base URI with the version
 * (ETag, generation, version id, or size-mtime for files) of every object it holds. Stored
 * beside the manifest as {@code <hex>.sources}, outside the hash.
 */
public record Sources(List<Binding> bindings) {
  public Sources {
    bindings = List.copyOf(bindings);
  }

  /** A base URI ending in '/', and the version of each path below it. */
  public record Binding(String uri, Map<String, String> versions) {
    public Binding {
      if (!uri.endsWith("/")) {
        uri = uri + "/";
      }
      versions.keySet().forEach(ModelPaths::validate);
      versions = Map.copyOf(versions);
    }
  }
}
