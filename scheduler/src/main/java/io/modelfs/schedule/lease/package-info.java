/**
 * The tracker's lease decisions as plain Java (issue 8): {@link io.modelfs.schedule.lease.LeaseTable}
 * (one origin lease per chunk, a swarm-wide cap, batches, lapse and takeover),
 * {@link io.modelfs.schedule.lease.LeasePolicy} and {@link io.modelfs.schedule.lease.Availability}
 * (who holds which chunks). The tracker's leader runs them inside its Ratis state machine; the
 * simulator runs the very same classes for its modelled tracker, without Ratis. Times are passed
 * in by the caller; nothing here reads a clock or does I/O.
 */
package io.modelfs.schedule.lease;
