package org.tunnelmesh.linux.xfrm;

import java.nio.ByteBuffer;
import org.tunnelmesh.Ipv4Address;
import org.tunnelmesh.linux.netlink.NetlinkMessageBuilder;

/**
 * struct xfrm_user_tmpl (XFRMA_TMPL): the state a policy asks for.
 *
 * @param optional 0: level required (the kernel drops a packet the template does not cover); 1: level use
 */
public record XfrmUserTmpl(
        Ipv4Address daddr,
        int spi,
        int proto,
        int family,
        Ipv4Address saddr,
        int reqid,
        int mode,
        int share,
        int optional,
        int aalgos,
        int ealgos,
        int calgos) {
    /** sizeof(struct xfrm_user_tmpl). */
    public static final int LEN = 64;

    /** {@code tmpl src SRC dst DST proto esp reqid R mode transport level required}, any algorithm. */
    public static XfrmUserTmpl transportEsp(Ipv4Address src, Ipv4Address dst, int reqid) {
        return new XfrmUserTmpl(
                dst, 0, Xfrm.IPPROTO_ESP, Xfrm.AF_INET, src, reqid, Xfrm.XFRM_MODE_TRANSPORT, 0, 0, -1, -1, -1);
    }

    void writeAttribute(NetlinkMessageBuilder b) {
        b.putU16(4 + LEN).putU16(Xfrm.XFRMA_TMPL);
        XfrmWire.putAddress(b, daddr);
        XfrmWire.putBe32(b, spi);
        b.putU8(proto);
        XfrmWire.zeros(b, 3);
        b.putU16(family).putU16(0);
        XfrmWire.putAddress(b, saddr);
        b.putU32(reqid).putU8(mode).putU8(share).putU8(optional).putU8(0);
        b.putU32(aalgos).putU32(ealgos).putU32(calgos);
    }

    /** Reads one template at {@code at}; the caller has checked that {@link #LEN} bytes are there. */
    static XfrmUserTmpl read(ByteBuffer buffer, int at) {
        return new XfrmUserTmpl(
                XfrmWire.address(buffer, at),
                XfrmWire.be32(buffer, at + 16),
                buffer.get(at + 20) & 0xff,
                buffer.getShort(at + 24) & 0xffff,
                XfrmWire.address(buffer, at + 28),
                buffer.getInt(at + 44),
                buffer.get(at + 48) & 0xff,
                buffer.get(at + 49) & 0xff,
                buffer.get(at + 50) & 0xff,
                buffer.getInt(at + 52),
                buffer.getInt(at + 56),
                buffer.getInt(at + 60));
    }
}
