package org.tunnelmesh.linux.xfrm;

import static org.tunnelmesh.linux.netlink.Netlink.NLM_F_ACK;
import static org.tunnelmesh.linux.netlink.Netlink.NLM_F_DUMP;
import static org.tunnelmesh.linux.netlink.Netlink.NLM_F_REQUEST;

import org.tunnelmesh.Ipv4Address;
import org.tunnelmesh.linux.netlink.NetlinkMessageBuilder;

/**
 * Requests of NETLINK_XFRM laid out as {@code ip xfrm} (iproute2 6.1) lays them out: the unit tests compare them byte
 * for byte with captures. xfrm_user ignores NLM_F_CREATE/EXCL (the message type says add or update); iproute2 sends
 * NLM_F_REQUEST|NLM_F_ACK only, and so do we.
 */
public final class XfrmRequests {
    private static final int REQUEST_ACK = NLM_F_REQUEST | NLM_F_ACK;
    /** sizeof(struct xfrm_address_filter): saddr, daddr, family, splen, dplen. */
    private static final int ADDRESS_FILTER_LEN = 36;

    private XfrmRequests() {}

    /**
     * {@code ip xfrm state add|update src S dst D proto esp spi SPI reqid R mode transport replay-window W flag esn
     * aead ALG KEY ICV}: XFRM_MSG_NEWSA fails with EEXIST when the kernel has a state of that destination and SPI,
     * XFRM_MSG_UPDSA with ESRCH when it has none.
     */
    public static void newState(NetlinkMessageBuilder b, XfrmState state, boolean update) {
        b.begin(
                update ? Xfrm.XFRM_MSG_UPDSA : Xfrm.XFRM_MSG_NEWSA,
                REQUEST_ACK,
                new XfrmRequest.NewState(state, update));
        state.write(b);
        b.end();
    }

    /** {@code ip xfrm state delete src S dst D proto esp spi SPI}: an xfrm_usersa_id and XFRMA_SRCADDR. */
    public static void deleteState(NetlinkMessageBuilder b, Ipv4Address src, Ipv4Address dst, int spi) {
        b.begin(Xfrm.XFRM_MSG_DELSA, REQUEST_ACK, new XfrmRequest.DeleteState(src, dst, spi));
        XfrmWire.putAddress(b, dst);
        XfrmWire.putBe32(b, spi);
        b.putU16(Xfrm.AF_INET).putU8(Xfrm.IPPROTO_ESP).putU8(0);
        b.putU16(4 + XfrmWire.ADDRESS_LEN).putU16(Xfrm.XFRMA_SRCADDR);
        XfrmWire.putAddress(b, src);
        b.end();
    }

    /**
     * {@code ip xfrm state list}: no header, an empty XFRMA_ADDRESS_FILTER (prefix lengths 0 match every state), as
     * iproute2 sends it.
     */
    public static void dumpStates(NetlinkMessageBuilder b) {
        b.begin(Xfrm.XFRM_MSG_GETSA, NLM_F_REQUEST | NLM_F_DUMP, new XfrmRequest.Dump("ip xfrm state list"));
        b.putU16(4 + ADDRESS_FILTER_LEN).putU16(Xfrm.XFRMA_ADDRESS_FILTER);
        XfrmWire.zeros(b, ADDRESS_FILTER_LEN);
        b.end();
    }

    /** {@code ip xfrm policy add|update ...}: xfrm_userpolicy_info and one XFRMA_TMPL per template. */
    public static void newPolicy(NetlinkMessageBuilder b, XfrmPolicy policy, boolean update) {
        b.begin(
                update ? Xfrm.XFRM_MSG_UPDPOLICY : Xfrm.XFRM_MSG_NEWPOLICY,
                REQUEST_ACK,
                new XfrmRequest.NewPolicy(policy, update));
        policy.write(b);
        b.end();
    }

    /** {@code ip xfrm policy delete SELECTOR dir DIR}: an xfrm_userpolicy_id (the selector, index 0, the direction). */
    public static void deletePolicy(NetlinkMessageBuilder b, XfrmSelector selector, int dir) {
        b.begin(Xfrm.XFRM_MSG_DELPOLICY, REQUEST_ACK, new XfrmRequest.DeletePolicy(selector, dir));
        selector.write(b);
        b.putU32(0).putU8(dir);
        XfrmWire.zeros(b, 3);
        b.end();
    }

    /** {@code ip xfrm policy list}: the header alone. */
    public static void dumpPolicies(NetlinkMessageBuilder b) {
        b.begin(Xfrm.XFRM_MSG_GETPOLICY, NLM_F_REQUEST | NLM_F_DUMP, new XfrmRequest.Dump("ip xfrm policy list"));
        b.end();
    }
}
