/**
 * The swarm fetch scheduler (issue 8): one single-threaded, event-driven component that decides
 * which chunk a node fetches next, from which peer, when it asks the tracker for an origin lease,
 * and when it enters endgame. Events come in ({@link io.modelfs.schedule.SwarmScheduler} methods:
 * have, dropped, chunkVerified, leaseGranted, peerLost, readerBlocked, tick), commands go out
 * ({@link io.modelfs.schedule.Actions}). It holds no Netty, Ratis, file or socket types — an
 * ArchUnit test keeps them out — so the agent drives it with real I/O and the simulator
 * ({@code simulations}) drives the very same classes with simulated I/O and a simulated clock.
 */
package io.modelfs.schedule;
