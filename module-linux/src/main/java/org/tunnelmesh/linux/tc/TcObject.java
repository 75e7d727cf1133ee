package org.tunnelmesh.linux.tc;

import static org.tunnelmesh.linux.tc.Tc.*;

import org.tunnelmesh.linux.netlink.MalformedMessageException;
import org.tunnelmesh.linux.netlink.NetlinkAttributes;
import org.tunnelmesh.linux.netlink.NetlinkMessage;

/**
 * A qdisc or filter as a dump (or a notification) reports it. For bpf filters also the name and
 * program id from TCA_OPTIONS; {@code programId} is 0 and {@code name} null otherwise.
 */
public record TcObject(
        int type, int ifindex, int handle, int parent, int info, String kind, String name, int programId) {

    /** A filter's priority (upper half of tcm_info). */
    public int priority() {
        return info >>> 16;
    }

    /** A filter's protocol in network order (lower half of tcm_info). */
    public int protocolBe() {
        return info & 0xffff;
    }

    /** Parses an RTM_NEWQDISC, RTM_DELQDISC, RTM_NEWTFILTER or RTM_DELTFILTER; null for other types. */
    public static TcObject parse(NetlinkMessage m) {
        int type = m.type();
        if (type != RTM_NEWQDISC && type != RTM_DELQDISC && type != RTM_NEWTFILTER && type != RTM_DELTFILTER) {
            return null;
        }
        Tcmsg h = Tcmsg.read(m);
        NetlinkAttributes a = Tcmsg.attributes(m, TCA_MAX_PARSED);
        String kind = a.string(TCA_KIND);
        String name = null;
        int programId = 0;
        boolean filter = type == RTM_NEWTFILTER || type == RTM_DELTFILTER;
        if (filter && "bpf".equals(kind) && a.has(TCA_OPTIONS)) {
            NetlinkAttributes options = a.nested(TCA_OPTIONS, TCA_BPF_MAX_PARSED);
            if (options == null) {
                throw new MalformedMessageException("bpf filter without readable TCA_OPTIONS");
            }
            name = options.string(TCA_BPF_NAME);
            programId = options.u32(TCA_BPF_ID, 0);
        }
        return new TcObject(type, h.ifindex(), h.handle(), h.parent(), h.info(), kind, name, programId);
    }
}
