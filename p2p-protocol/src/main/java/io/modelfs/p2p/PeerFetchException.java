package io.modelfs.p2p;

import java.io.IOException;

/** A chunk request to one peer failed; {@link #reason()} says how, the message names the peer and the chunk. */
public final class PeerFetchException extends IOException {
  /** Why a request failed. */
  public enum Reason {
    /** The peer refused: it is at its upload limit. */
    BUSY,
    /** The peer does not hold the chunk (any more). */
    NOT_FOUND,
    /** The peer refused with an error, or broke the protocol. */
    ERROR,
    /** No byte arrived within the request timeout. */
    TIMEOUT,
    /** The connection closed (or was never there). */
    DISCONNECTED
  }

  private final Reason reason;

  public PeerFetchException(Reason reason, String message) {
    super(message);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }
}
