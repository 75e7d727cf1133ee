/**
 * Not API: the rtnetlink families (links, addresses, routes, nexthops, events). Public only for the mesh in
 * {@code org.tunnelmesh.linux}; the module does not export it.
 */
package org.tunnelmesh.linux.rtnetlink;
