package org.tunnelmesh.linux.health;

/** What the health monitor needs of its ICMP socket: {@link ProbeSocket} on Linux, a recording one in unit tests. */
interface EchoSocket extends AutoCloseable {
    /** The descriptor to poll for answers. */
    int fd();

    /** True for a raw socket: the echo identifier is ours (a ping socket's is the kernel's). */
    boolean raw();

    /** @return 0, or the errno of a send that failed */
    int send(int address, int id, int sequence, int slot, long nonce);

    /** One datagram without waiting; false when none was waiting. */
    boolean receive(Received out);

    /** Which socket and what it needs, for diagnose(). */
    String kind();

    @Override
    void close();

    /** One datagram received: the echo reply in it (when it is one), who sent it, and the device it arrived on. */
    final class Received {
        final IcmpEcho.Reply reply = new IcmpEcho.Reply();
        boolean isReply;
        int source;
        int ifindex;
    }
}
