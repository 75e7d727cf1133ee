/**
 * Not API: the IPIP filter's tc programs and its map of peers, through bpf(2). Public only for the mesh in
 * {@code org.tunnelmesh.linux}; the module does not export it.
 */
package org.tunnelmesh.linux.bpf;
