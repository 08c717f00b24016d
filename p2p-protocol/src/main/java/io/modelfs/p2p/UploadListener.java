package io.modelfs.p2p;

/**
 * Told about each chunk (or range) this node finished sending to a peer, for the agent's
 * metrics ({@code modelfs_uploaded_bytes_total}, {@code modelfs_uploaded_chunks_total}). Called on
 * a Netty event loop once the last byte was written to the socket: must be quick, must not block
 * and must not throw. Failed or refused uploads are not reported.
 */
public interface UploadListener {
  /** Counts nothing. */
  UploadListener NONE = (peer, bytes) -> {};

  void uploaded(String peer, long bytes);
}
