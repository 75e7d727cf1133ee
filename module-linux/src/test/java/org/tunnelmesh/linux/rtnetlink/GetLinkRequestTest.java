package org.tunnelmesh.linux.rtnetlink;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.tunnelmesh.linux.rtnetlink.Rtnetlink.*;

import org.junit.jupiter.api.Test;
import org.tunnelmesh.linux.netlink.Bytes;
import org.tunnelmesh.linux.netlink.NetlinkMessageBuilder;

/** {@code ip link show NAME} as one request (not a dump), with an ack asked for so the answer has an end. */
class GetLinkRequestTest {

    @Test
    void oneLinkByName() {
        NetlinkMessageBuilder b = new NetlinkMessageBuilder(256).reset(1);
        RtnetlinkRequests.getLink(b, "tm-node2");
        assertArrayEquals(
                new Bytes()
                        .header(56, RTM_GETLINK, RtnetlinkRequests.CHANGE, 1, 0)
                        .u8(AF_UNSPEC, 0)
                        .u16(0)
                        .u32(0)
                        .u32(0)
                        .u32(0)
                        .attr(8, IFLA_EXT_MASK)
                        .u32(RTEXT_FILTER_SKIP_STATS)
                        .attr(13, IFLA_IFNAME)
                        .ascii("tm-node2")
                        .u8(0, 0, 0, 0) // NUL, then padding to 4
                        .toArray(),
                b.message(0));
    }
}
