package org.tunnelmesh.linux.rtnetlink;

import static org.tunnelmesh.linux.rtnetlink.Rtnetlink.*;

import org.tunnelmesh.Ipv4Address;
import org.tunnelmesh.linux.netlink.NetlinkAttributes;
import org.tunnelmesh.linux.netlink.NetlinkMessage;

/** An IPv4 address on a device, from RTM_NEWADDR. IFA_LOCAL is the address itself (IFA_ADDRESS is the peer on p2p links). */
public record Address(int ifindex, Ipv4Address address, int prefixLength) {

    public static Address parse(NetlinkMessage message) {
        if (message.type() != RTM_NEWADDR) {
            return null;
        }
        Ifaddrmsg h = Ifaddrmsg.read(message);
        if (h.family() != AF_INET) {
            return null;
        }
        int prefixLength = h.prefixLength();
        int ifindex = h.index();
        NetlinkAttributes attrs = Ifaddrmsg.attributes(message, IFA_MAX_PARSED);
        int type = attrs.has(IFA_LOCAL) ? IFA_LOCAL : IFA_ADDRESS;
        if (!attrs.has(type)) {
            return null;
        }
        return new Address(ifindex, new Ipv4Address(attrs.ipv4(type, 0)), prefixLength);
    }
}
