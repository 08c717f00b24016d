package io.modelfs.tracker;

import java.time.Duration;

/**
 * Told about every request a tracker replica handles, for its metrics: {@code kind} is the
 * request's body ({@code REGISTER}, {@code LEASE}, ...), {@code ok} false when it was refused or
 * failed, {@code took} from arrival to reply (for a write, from the leader's acceptance to its
 * application). Called on Ratis threads: must be quick, must not block and must not throw.
 */
public interface TrackerListener {
  /** Records nothing. */
  TrackerListener NONE = (kind, ok, took) -> {};

  void handled(String kind, boolean ok, Duration took);
}
