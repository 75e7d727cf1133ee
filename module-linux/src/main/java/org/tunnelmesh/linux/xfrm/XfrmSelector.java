package org.tunnelmesh.linux.xfrm;

import java.nio.ByteBuffer;
import org.tunnelmesh.Ipv4Address;
import org.tunnelmesh.linux.netlink.MalformedMessageException;
import org.tunnelmesh.linux.netlink.NetlinkMessageBuilder;

/**
 * struct xfrm_selector: which packets a policy (or a state) applies to. Written and read here only.
 *
 * @param dport the destination port (host order), with {@code dportMask} 0xffff to match it; 0 and 0 for any
 */
public record XfrmSelector(
        Ipv4Address daddr,
        Ipv4Address saddr,
        int dport,
        int dportMask,
        int sport,
        int sportMask,
        int family,
        int prefixlenD,
        int prefixlenS,
        int proto,
        int ifindex,
        int user) {
    /** sizeof(struct xfrm_selector). */
    public static final int LEN = 56;

    /** The selector of no packet in particular (all zero), as {@code ip xfrm state add} leaves it. */
    public static final XfrmSelector ANY =
            new XfrmSelector(Ipv4Address.ANY, Ipv4Address.ANY, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);

    /**
     * {@code src SRC/32 dst DST/32 proto PROTO [dport PORT]}.
     *
     * @param dport 0 for any port
     */
    public static XfrmSelector hosts(Ipv4Address src, Ipv4Address dst, int proto, int dport) {
        return new XfrmSelector(dst, src, dport, dport == 0 ? 0 : 0xffff, 0, 0, Xfrm.AF_INET, 32, 32, proto, 0, 0);
    }

    public void write(NetlinkMessageBuilder b) {
        XfrmWire.putAddress(b, daddr);
        XfrmWire.putAddress(b, saddr);
        XfrmWire.putBe16(b, dport);
        XfrmWire.putBe16(b, dportMask);
        XfrmWire.putBe16(b, sport);
        XfrmWire.putBe16(b, sportMask);
        b.putU16(family).putU8(prefixlenD).putU8(prefixlenS).putU8(proto);
        XfrmWire.zeros(b, 3);
        b.putU32(ifindex).putU32(user);
    }

    /** Reads the selector at {@code at}; the caller has checked that {@link #LEN} bytes are there. */
    public static XfrmSelector read(ByteBuffer buffer, int at) {
        if (at < 0 || at + LEN > buffer.limit()) {
            throw new MalformedMessageException("xfrm_selector at " + at + " runs past the message");
        }
        return new XfrmSelector(
                XfrmWire.address(buffer, at),
                XfrmWire.address(buffer, at + 16),
                XfrmWire.be16(buffer, at + 32),
                XfrmWire.be16(buffer, at + 34),
                XfrmWire.be16(buffer, at + 36),
                XfrmWire.be16(buffer, at + 38),
                buffer.getShort(at + 40) & 0xffff,
                buffer.get(at + 42) & 0xff,
                buffer.get(at + 43) & 0xff,
                buffer.get(at + 44) & 0xff,
                buffer.getInt(at + 48),
                buffer.getInt(at + 52));
    }

    /** As {@code ip xfrm} prints it: {@code src A/32 dst B/32 proto 4}. */
    public String arguments() {
        return "src " + saddr + "/" + prefixlenS + " dst " + daddr + "/" + prefixlenD
                + (proto != 0 ? " proto " + proto : "")
                + (dportMask != 0 ? " dport " + dport : "");
    }
}
