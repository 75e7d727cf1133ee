package org.tunnelmesh.linux.xfrm;

import org.tunnelmesh.Ipv4Address;
import org.tunnelmesh.linux.netlink.NetlinkRequest;

/**
 * What an xfrm request asks, as {@link XfrmRequests} wrote it, kept with the batch so a failure reads as the
 * {@code ip xfrm} command. Never with a key: the state's AEAD prints as its name and key length only.
 */
public sealed interface XfrmRequest extends NetlinkRequest {
    /** {@code ip xfrm state add|update ...}. */
    record NewState(XfrmState state, boolean update) implements XfrmRequest {
        @Override
        public String command() {
            return "ip xfrm state " + (update ? "update " : "add ") + state;
        }
    }

    /** {@code ip xfrm state delete src A dst B proto esp spi S}. */
    record DeleteState(Ipv4Address src, Ipv4Address dst, int spi) implements XfrmRequest {
        @Override
        public String command() {
            return "ip xfrm state delete src " + src + " dst " + dst + " proto esp spi 0x" + Integer.toHexString(spi);
        }
    }

    /** {@code ip xfrm policy add|update ...}. */
    record NewPolicy(XfrmPolicy policy, boolean update) implements XfrmRequest {
        @Override
        public String command() {
            return "ip xfrm policy " + (update ? "update " : "add ") + policy;
        }
    }

    /** {@code ip xfrm policy delete SELECTOR dir DIR}. */
    record DeletePolicy(XfrmSelector selector, int dir) implements XfrmRequest {
        @Override
        public String command() {
            return "ip xfrm policy delete " + selector.arguments() + " dir " + Xfrm.direction(dir);
        }
    }

    /** {@code ip xfrm state list} or {@code ip xfrm policy list}. */
    record Dump(String command) implements XfrmRequest {}
}
