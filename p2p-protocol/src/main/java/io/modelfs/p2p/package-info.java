/**
 * The swarm: the fetch scheduler (a single-threaded, event-driven policy with no I/O types,
 * shared with the simulator — issue #8), the peer wire protocol on Netty with zero-copy chunk
 * transfer (issue #6), and the tracker replicated with Apache Ratis (issue #7).
 *
 * <p>Empty in the walking skeleton: a single agent fetches from its local store, then the
 * origin.
 */
package io.modelfs.p2p;
