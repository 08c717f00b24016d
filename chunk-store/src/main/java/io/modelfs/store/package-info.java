/**
 * The node's local, content-addressed chunk store. A chunk enters it only through
 * {@link io.modelfs.store.ChunkStore#ensure}: its bytes are hashed while they stream into a
 * staging file and the file is renamed into place only if they match the digest, so a corrupt
 * peer or origin can never poison the store, and stored chunks are read without re-hashing.
 * Loads of the same chunk are single-flight and run on a small pool of fetch threads that
 * serves foreground reads before readahead before prefetch.
 *
 * <p>{@link io.modelfs.store.FileChunkStore} keeps one file per chunk under a root directory
 * and indexes them in RocksDB (size, last access, named pins). It opens consistent after a
 * crash at any point (staging cleared, index and files reconciled), stays inside a byte budget
 * and a free-space reserve by evicting least recently used unpinned chunks, reports evictions to
 * listeners, survives a full disk without damage, and re-verifies on demand.
 */
package io.modelfs.store;
