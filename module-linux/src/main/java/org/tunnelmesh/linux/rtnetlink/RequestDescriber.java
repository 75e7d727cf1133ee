package org.tunnelmesh.linux.rtnetlink;

import org.tunnelmesh.linux.netlink.NetlinkRequest;

/**
 * Says what a request was, for error messages: from the request object the batch kept, never by
 * reading the bytes back.
 */
public final class RequestDescriber {
    private RequestDescriber() {}

    /** The {@code ip} command of the request, or "netlink request" when its writer did not say. */
    public static String describe(NetlinkRequest request) {
        return request == null ? "netlink request" : request.command();
    }

    /** True for an RTM_NEWLINK of kind ipip with FOU or GUE encapsulation. */
    public static boolean isEncapsulatedIpipLink(NetlinkRequest request) {
        return request instanceof RtnetlinkRequest.NewIpipLink link && link.encapsulated();
    }

    /** True for an RTM_NEWLINK of kind ipip with neither local nor remote: a second fallback device. */
    public static boolean isKeylessIpipLink(NetlinkRequest request) {
        return request instanceof RtnetlinkRequest.NewIpipLink link && link.keyless();
    }
}
