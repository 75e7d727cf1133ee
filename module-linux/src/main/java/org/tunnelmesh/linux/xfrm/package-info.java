/**
 * NETLINK_XFRM: IPsec security associations (states) and policies, as {@code ip xfrm} programs them. Not API.
 */
package org.tunnelmesh.linux.xfrm;
