/**
 * Not API: rtnetlink's traffic control messages (the clsact qdisc and the filters that attach the IPIP filter). Public
 * only for the mesh in {@code org.tunnelmesh.linux}; the module does not export it.
 */
package org.tunnelmesh.linux.tc;
