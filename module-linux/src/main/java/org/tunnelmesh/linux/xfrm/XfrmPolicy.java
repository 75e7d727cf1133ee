package org.tunnelmesh.linux.xfrm;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.tunnelmesh.Ipv4Address;
import org.tunnelmesh.linux.netlink.MalformedMessageException;
import org.tunnelmesh.linux.netlink.NetlinkAttributes;
import org.tunnelmesh.linux.netlink.NetlinkMessage;
import org.tunnelmesh.linux.netlink.NetlinkMessageBuilder;

/**
 * One xfrm policy: struct xfrm_userpolicy_info and its templates (XFRMA_TMPL).
 *
 * @param index the kernel's index of the policy (0 in a request: the kernel picks it)
 */
public record XfrmPolicy(
        XfrmSelector selector, int dir, int priority, int index, int action, List<XfrmUserTmpl> templates) {
    /** sizeof(struct xfrm_userpolicy_info). */
    public static final int USERPOLICY_INFO_LEN = 168;
    /** sizeof(struct xfrm_userpolicy_id). */
    public static final int USERPOLICY_ID_LEN = 64;

    public XfrmPolicy {
        templates = List.copyOf(templates);
    }

    /**
     * {@code ip xfrm policy add src SRC/32 dst DST/32 proto PROTO [dport PORT] dir DIR priority P tmpl src SRC dst DST
     * proto esp reqid R mode transport level required}: the packets of PROTO between two hosts, protected by ESP in
     * transport mode, and (level required) never without it.
     */
    public static XfrmPolicy transportEsp(
            Ipv4Address src, Ipv4Address dst, int proto, int dport, int dir, int priority, int reqid) {
        return new XfrmPolicy(
                XfrmSelector.hosts(src, dst, proto, dport),
                dir,
                priority,
                0,
                Xfrm.XFRM_POLICY_ALLOW,
                List.of(XfrmUserTmpl.transportEsp(src, dst, reqid)));
    }

    /** Whether {@code other} is this policy as configured (the kernel's index aside). */
    public boolean sameConfiguration(XfrmPolicy other) {
        return other != null
                && selector.equals(other.selector)
                && dir == other.dir
                && priority == other.priority
                && action == other.action
                && templates.equals(other.templates);
    }

    void write(NetlinkMessageBuilder b) {
        selector.write(b);
        XfrmState.writeInfiniteLifetime(b);
        XfrmWire.zeros(b, 32); // curlft
        b.putU32(priority).putU32(index).putU8(dir).putU8(action).putU8(0).putU8(0);
        XfrmWire.zeros(b, 4);
        for (XfrmUserTmpl template : templates) {
            template.writeAttribute(b);
        }
    }

    /**
     * A policy of a dump or a NEWPOLICY/UPDPOLICY event.
     *
     * @return the policy, or null when it is not IPv4
     * @throws MalformedMessageException when a length is wrong
     */
    public static XfrmPolicy parse(NetlinkMessage message) {
        message.requirePayload(USERPOLICY_INFO_LEN, "xfrm_userpolicy_info");
        NetlinkAttributes attributes = message.attributes(USERPOLICY_INFO_LEN, Xfrm.XFRMA_MAX_PARSED);
        return read(message.buffer(), message.payloadOffset(), attributes);
    }

    /**
     * The policy of a DELPOLICY event: an xfrm_userpolicy_id, then the whole policy in XFRMA_POLICY, then its
     * templates.
     *
     * @return the policy, or null when it is not IPv4
     */
    public static XfrmPolicy parseDeleted(NetlinkMessage message) {
        message.requirePayload(USERPOLICY_ID_LEN, "xfrm_userpolicy_id");
        NetlinkAttributes attributes = message.attributes(USERPOLICY_ID_LEN, Xfrm.XFRMA_MAX_PARSED);
        if (attributes.length(Xfrm.XFRMA_POLICY) < USERPOLICY_INFO_LEN) {
            throw new MalformedMessageException("xfrm DELPOLICY event without a " + USERPOLICY_INFO_LEN
                    + "-byte XFRMA_POLICY: " + attributes.length(Xfrm.XFRMA_POLICY));
        }
        return read(message.buffer(), attributes.offset(Xfrm.XFRMA_POLICY), attributes);
    }

    private static XfrmPolicy read(ByteBuffer buffer, int at, NetlinkAttributes attributes) {
        XfrmSelector selector = XfrmSelector.read(buffer, at);
        if (selector.family() != Xfrm.AF_INET) {
            return null;
        }
        List<XfrmUserTmpl> templates = new ArrayList<>();
        if (attributes.has(Xfrm.XFRMA_TMPL)) {
            int length = attributes.length(Xfrm.XFRMA_TMPL);
            if (length % XfrmUserTmpl.LEN != 0) {
                throw new MalformedMessageException("XFRMA_TMPL of " + length + " bytes is no whole number of "
                        + XfrmUserTmpl.LEN + "-byte templates");
            }
            int start = attributes.offset(Xfrm.XFRMA_TMPL);
            for (int t = 0; t < length / XfrmUserTmpl.LEN; t++) {
                templates.add(XfrmUserTmpl.read(buffer, start + t * XfrmUserTmpl.LEN));
            }
        }
        return new XfrmPolicy(
                selector,
                buffer.get(at + 160) & 0xff,
                buffer.getInt(at + 152),
                buffer.getInt(at + 156),
                buffer.get(at + 161) & 0xff,
                templates);
    }

    /** The reqid of the policy's only template, or 0 when it has none or several. */
    public int reqid() {
        return templates.size() == 1 ? templates.get(0).reqid() : 0;
    }

    @Override
    public String toString() {
        return selector.arguments() + " dir " + Xfrm.direction(dir) + " priority " + priority
                + (templates.size() == 1
                        ? " tmpl reqid " + templates.get(0).reqid()
                        : " " + templates.size() + " tmpls");
    }
}
