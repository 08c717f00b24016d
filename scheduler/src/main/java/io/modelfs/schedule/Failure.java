package io.modelfs.schedule;

/** Why a fetch the scheduler asked for did not produce a verified chunk. */
public enum Failure {
  /** The peer refused: no free upload slot. Try another holder, or this one later. */
  BUSY,
  /** The peer (or origin) does not have it. */
  NOT_FOUND,
  /** The connection to the peer was lost mid-chunk. */
  DISCONNECTED,
  /** No bytes arrived for longer than the configured stall time. */
  STALLED,
  /** The bytes did not match the digest; the driver has banned the sender. */
  CORRUPT,
  /** The origin failed (after the driver's own bounded retries). */
  ORIGIN_ERROR,
  /** Anything else (local disk full, I/O error). */
  LOCAL_ERROR
}
