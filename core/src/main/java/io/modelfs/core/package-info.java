/**
 * Value types every module shares: {@link io.modelfs.core.Digest}, {@link io.modelfs.core.ModelRef},
 * {@link io.modelfs.core.Manifest} and its codec, path validation, and the protobuf schemas
 * ({@code io.modelfs.core.proto}) for manifests, sources and the agent's control API.
 */
package io.modelfs.core;
