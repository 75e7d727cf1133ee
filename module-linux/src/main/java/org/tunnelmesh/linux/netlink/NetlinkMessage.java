package org.tunnelmesh.linux.netlink;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.function.Consumer;

/**
 * One netlink message inside a received buffer: the header fields, and where its payload lies.
 * A view, valid only until the buffer is reused.
 */
public final class NetlinkMessage {
    private final ByteBuffer buffer;
    private final int offset;
    private final int length;

    private NetlinkMessage(ByteBuffer buffer, int offset, int length) {
        this.buffer = buffer;
        this.offset = offset;
        this.length = length;
    }

    /**
     * Calls {@code consumer} for every message in {@code buffer[0, limit)}; each message is checked
     * for a sane length before it is handed out.
     */
    public static void forEach(ByteBuffer buffer, int limit, Consumer<NetlinkMessage> consumer) {
        ByteBuffer view = buffer.duplicate().order(ByteOrder.nativeOrder());
        int offset = 0;
        while (offset + Netlink.NLMSG_HDRLEN <= limit) {
            int length = view.getInt(offset);
            if (length < Netlink.NLMSG_HDRLEN || length > limit - offset) {
                throw new MalformedMessageException("netlink message at offset " + offset + " claims length "
                        + Integer.toUnsignedString(length) + ", but " + (limit - offset) + " bytes remain");
            }
            consumer.accept(new NetlinkMessage(view, offset, length));
            offset += Netlink.align(length);
        }
        if (offset < limit) {
            throw new MalformedMessageException((limit - offset) + " trailing bytes after the last netlink message");
        }
    }

    /** Wraps a single complete message, e.g. test data. */
    public static NetlinkMessage wrap(byte[] bytes) {
        ByteBuffer buffer = ByteBuffer.wrap(bytes).order(ByteOrder.nativeOrder());
        NetlinkMessage[] only = new NetlinkMessage[1];
        forEach(buffer, bytes.length, m -> {
            if (only[0] != null) {
                throw new MalformedMessageException("expected one message, found more");
            }
            only[0] = m;
        });
        if (only[0] == null) {
            throw new MalformedMessageException("no netlink message in " + bytes.length + " bytes");
        }
        return only[0];
    }

    public int type() {
        return buffer.getShort(offset + 4) & 0xffff;
    }

    public int flags() {
        return buffer.getShort(offset + 6) & 0xffff;
    }

    public int seq() {
        return buffer.getInt(offset + 8);
    }

    public int portId() {
        return buffer.getInt(offset + 12);
    }

    public int length() {
        return length;
    }

    public ByteBuffer buffer() {
        return buffer;
    }

    /** Absolute offset of the payload (the family header, e.g. ifinfomsg). */
    public int payloadOffset() {
        return offset + Netlink.NLMSG_HDRLEN;
    }

    public int payloadLength() {
        return length - Netlink.NLMSG_HDRLEN;
    }

    /** Absolute offset one past the message. */
    public int end() {
        return offset + length;
    }

    /** Reads a fixed-size family header, failing clearly when the message is too short for it. */
    public void requirePayload(int bytes, String what) {
        if (payloadLength() < bytes) {
            throw new MalformedMessageException(what + " needs " + bytes + " bytes, message has " + payloadLength());
        }
    }

    /** For an NLMSG_ERROR (an ack) or a dump's NLMSG_DONE: 0 when the request succeeded, else its positive errno. */
    public int errno() {
        requireErrorCode();
        return -buffer.getInt(payloadOffset());
    }

    /**
     * The kernel's extended-ack text (NLMSGERR_ATTR_MSG) of an NLMSG_ERROR or a dump's NLMSG_DONE;
     * "" when it gave none. In an error the attributes follow the echoed request: its header only
     * when the ack is capped (NLM_F_CAPPED), else all of it.
     */
    public String extendedAck() {
        requireErrorCode();
        if ((flags() & Netlink.NLM_F_ACK_TLVS) == 0) {
            return "";
        }
        int at = payloadOffset();
        int tlvStart = at + 4;
        if (type() == Netlink.NLMSG_ERROR) {
            boolean capped = (flags() & Netlink.NLM_F_CAPPED) != 0;
            int requestLength = payloadLength() >= 4 + Netlink.NLMSG_HDRLEN ? buffer.getInt(at + 4) : -1;
            int echoed = capped ? Netlink.NLMSG_HDRLEN : Netlink.align(requestLength);
            if (requestLength < Netlink.NLMSG_HDRLEN || echoed < Netlink.NLMSG_HDRLEN || echoed > end() - tlvStart) {
                throw new MalformedMessageException("netlink error echoes a request of " + requestLength
                        + " bytes that does not fit its " + payloadLength() + "-byte payload");
            }
            tlvStart += echoed;
        }
        if (tlvStart < end()) {
            NetlinkAttributes tlvs = NetlinkAttributes.parse(buffer, tlvStart, end(), Netlink.NLMSGERR_ATTR_OFFS);
            String text = tlvs.string(Netlink.NLMSGERR_ATTR_MSG);
            return text == null ? "" : text;
        }
        return "";
    }

    private void requireErrorCode() {
        if (payloadLength() < 4) {
            throw new MalformedMessageException("netlink error/done message without an error code");
        }
    }

    /** The attributes that follow a family header of {@code headerLength} bytes. */
    public NetlinkAttributes attributes(int headerLength, int maxType) {
        requirePayload(headerLength, "family header");
        return NetlinkAttributes.parse(buffer, payloadOffset() + Netlink.align(headerLength), end(), maxType);
    }
}
