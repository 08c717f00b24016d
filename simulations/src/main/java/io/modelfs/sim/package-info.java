/**
 * Discrete-event simulations of fleets of 8 to 10,000 nodes fetching one model (issue #9): each
 * node runs the agent's own {@link io.modelfs.schedule.SwarmScheduler}; only transport, clock,
 * store, tracker round trips and hashing throughput are simulated. Beside the swarm, an NFS-like
 * server and direct object storage run as fluid models on the same fleet, with a lower bound and
 * costs from {@code pricing.csv}. Entry points: {@link io.modelfs.sim.SimulateCommand}
 * ({@code modelfs simulate}) and {@link io.modelfs.sim.Simulation}.
 */
package io.modelfs.sim;
