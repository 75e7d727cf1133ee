/**
 * Not API: the netlink wire (socket, message builder and parser, errors with the kernel's extended-ack text). Public
 * only for the rtnetlink, tc and bpf packages and the mesh; the module does not export it.
 */
package org.tunnelmesh.linux.netlink;
