/**
 * The peer wire protocol: agents exchange verified chunks over TCP with Netty and protobuf
 * (wire format in {@code p2p-protocol/PROTOCOL.md}). {@link io.modelfs.p2p.Swarm} is a node's
 * endpoint; the agent provides a {@link io.modelfs.p2p.ChunkSource} (what to upload) and a
 * {@link io.modelfs.p2p.PeerDirectory} (whom to dial), and gives each fetch a sink that
 * verifies the bytes. {@link io.modelfs.p2p.PeerFetcher} is the interim choice of peer until the
 * swarm scheduler (issue #8) takes its place.
 */
package io.modelfs.p2p;
