/**
 * The peer wire protocol: agents exchange verified chunks over TCP with Netty and protobuf
 * (wire format in {@code p2p-protocol/PROTOCOL.md}). {@link io.modelfs.p2p.Swarm} is a node's
 * endpoint; the agent provides a {@link io.modelfs.p2p.ChunkSource} (what to upload) and a
 * {@link io.modelfs.p2p.PeerDirectory} (whom to dial), and gives each fetch a sink that
 * verifies the bytes, and hears of peers and their holdings through a
 * {@link io.modelfs.p2p.SwarmListener}. Which chunk to ask of which peer is the swarm scheduler's
 * decision ({@code io.modelfs.schedule}, driven by the agent), not this package's.
 */
package io.modelfs.p2p;
