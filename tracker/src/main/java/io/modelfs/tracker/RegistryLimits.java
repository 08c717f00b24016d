package io.modelfs.tracker;

/**
 * What keeps the durable registry bounded: how long dead nodes and unwanted models are kept,
 * and hard caps on counts and manifest size (a command over a cap is refused before the log).
 */
record RegistryLimits(long nodeTtlMillis, long modelTtlMillis, int maxNodes, int maxModels, int maxManifestBytes) {
  RegistryLimits {
    if (nodeTtlMillis <= 0 || modelTtlMillis <= 0 || maxNodes < 1 || maxModels < 1 || maxManifestBytes < 1) {
      throw new IllegalArgumentException("registry limits must be positive: " + nodeTtlMillis + ", " + modelTtlMillis
          + ", " + maxNodes + ", " + maxModels + ", " + maxManifestBytes);
    }
  }

  /** How often (in log time) the registry looks for expired nodes and models. */
  long expiryIntervalMillis() {
    return Math.max(1, Math.min(nodeTtlMillis, modelTtlMillis) / 4);
  }
}
