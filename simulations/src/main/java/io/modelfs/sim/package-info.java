/**
 * Discrete-event simulations of swarms of 50 to 10,000 nodes that drive the agent's own
 * scheduler classes with a modelled network, clock and store (issue #9).
 *
 * <p>Empty in the walking skeleton.
 */
package io.modelfs.sim;
