/**
 * Peer health: whether each peer answers through the mesh. Passive liveness from the per-peer counters, ICMP echo
 * probes through the tunnel for silent peers only, within a packet budget, and hysteresis written once
 * ({@link org.tunnelmesh.linux.health.Liveness}). Not API.
 */
package org.tunnelmesh.linux.health;
