package io.modelfs.sim;

/**
 * What an event on the simulator's agenda, or a call into a node's scheduler, stands for — only
 * to tell where a run's events and CPU go ({@link Simulator#tally}). No behaviour depends on it.
 */
enum EventKind {
  JOIN, CRASH, TRACKER_NEIGHBOURS, CONNECT, PEER_REQUEST, PEER_REFUSAL, UPLOAD_END, ORIGIN_START,
  FLOW_COMPLETE, LAST_BYTE, HAVE_BATCH, TRACKER_ANNOUNCE, PROGRESS, LEASE_REQUEST, LEASE_ANSWER, TICK, PEER_LOST, OTHER,
  // scheduler calls (one event may make many: a HAVE batch reaches every neighbour)
  CALL_HAVE, CALL_VERIFIED, CALL_FAILED, CALL_LEASE_ANSWER, CALL_PROGRESS, CALL_TICK, CALL_CONNECTED, CALL_OTHER
}
