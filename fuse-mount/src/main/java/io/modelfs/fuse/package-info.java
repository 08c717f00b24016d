/**
 * The read-only FUSE mount of models: {@code <mount>/<name>@sha256:<hex>/<files>}.
 *
 * <p>{@link io.modelfs.fuse.FuseMount#mount} mounts a {@link io.modelfs.fuse.ModelCatalog} (the
 * agent's way of finding a model by ref) whose {@link io.modelfs.fuse.ModelContent}s serve
 * chunk reads from the chunk store, peers or origin. The filesystem itself,
 * {@code ModelFileSystem}, is plain Java that unit tests drive without a kernel: it resolves
 * paths to manifest entries, maps byte ranges to chunks, detects sequential readers to
 * prefetch ahead, and fails with typed errors. {@code FuseAdapter} binds it to jnr-fuse
 * (libfuse 2), translating calls and mapping errors to {@code -errno} in one place. Content is
 * immutable, so the mount is read-only and lets the kernel cache pages, names and attributes
 * for long.
 *
 * <p>Opening a safetensors or GGUF file reads its header in the background
 * ({@code SafetensorsHeader}, {@code GgufHeader}: bounded, validating parsers) and prefetches
 * its tensors in file order ({@code FormatPrefetch}). Files carry {@code user.modelfs.digest}
 * and model directories {@code user.modelfs.ref} as extended attributes. Tags as symbolic
 * links ({@code <name>:<tag>}) come with the tracker.
 */
package io.modelfs.fuse;
