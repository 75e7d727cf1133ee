package org.tunnelmesh.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.tunnelmesh.linux.EncapPackets.*;

import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.tunnelmesh.Ipv4Address;
import org.tunnelmesh.linux.bpf.BpfProgram;
import org.tunnelmesh.linux.bpf.IpipFilterProgram;
import org.tunnelmesh.linux.bpf.PeerMap;
import org.tunnelmesh.linux.bpf.ProgramTestRun;
import org.tunnelmesh.linux.bpf.RejectedCounters;

/**
 * The underlay programs with an encapsulation port, run by the lab kernel on crafted frames
 * (BPF_PROG_TEST_RUN): the verdict, the stamp and the counters for each kind of packet an attacker
 * or a peer sends - UDP to the port from a peer and from a non-peer, FOU and GUE, UDP to another
 * port, a UDP header cut short, a datagram too short to carry a packet, a bogus inner header, IP
 * options, fragments - and plain IPIP beside them.
 */
class IpipFilterProgramKernelIT {
    private static final int PORT = 5555;
    private static final int UNSPEC = -1;
    private static final int SHOT = 2;
    private static final int ME = Ipv4Address.parse("10.245.1.2").bits();
    private static final int PEER = Ipv4Address.parse("10.245.1.3").bits();
    private static final int STRANGER = Ipv4Address.parse("10.245.1.5").bits();
    private static final byte[] INNER = echo(
            Ipv4Address.parse("192.168.43.9").bits(),
            Ipv4Address.parse("192.168.41.0").bits());
    /** Outer IPv4 20 + UDP 8 + the inner echo request 84. */
    private static final int FOU_BYTES = 112;

    private PeerMap map;
    private RejectedCounters rejected;
    private BpfProgram ingress;
    private BpfProgram egress;

    @BeforeEach
    void load() {
        Lab.requireLab();
        map = PeerMap.create("tm_it_encap", 15);
        rejected = RejectedCounters.create("tm_it_encap_rej");
        map.add(List.of(PEER));
        ingress = BpfProgram.loadSchedCls("tm_it_in", IpipFilterProgram.ingress(map.fd(), rejected.fd(), PORT));
        egress = BpfProgram.loadSchedCls("tm_it_out", IpipFilterProgram.egress(map.fd(), PORT));
    }

    @AfterEach
    void close() {
        for (AutoCloseable c : new AutoCloseable[] {ingress, egress, map, rejected}) {
            if (c != null) {
                try {
                    c.close();
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            }
        }
    }

    private static ProgramTestRun.Outcome run(BpfProgram program, byte[] packet) {
        return ProgramTestRun.run(program, ethernet(packet), 0);
    }

    private PeerMap.Counters peer() {
        return map.readAll().get(PEER);
    }

    /** Asserts the verdict, that nothing was stamped, and that it was counted as rejected (packets, bytes) or not at all. */
    private void dropped(byte[] packet, String what) {
        RejectedCounters.Counts before = rejected.read();
        PeerMap.Counters peerBefore = peer();
        assertEquals(new ProgramTestRun.Outcome(SHOT, 0), run(ingress, packet), what + ": dropped, not stamped");
        RejectedCounters.Counts after = rejected.read();
        assertEquals(before.underlayPackets() + 1, after.underlayPackets(), what + ": counted as rejected");
        assertEquals(before.underlayBytes() + packet.length, after.underlayBytes(), what + ": its outer bytes");
        assertEquals(peerBefore, peer(), what + ": not the peer's");
    }

    private void untouched(BpfProgram program, byte[] packet, String what) {
        RejectedCounters.Counts before = rejected.read();
        PeerMap.Counters peerBefore = peer();
        assertEquals(new ProgramTestRun.Outcome(UNSPEC, 0), run(program, packet), what + ": passes unstamped");
        assertEquals(before, rejected.read(), what + ": not rejected");
        assertEquals(peerBefore, peer(), what + ": not counted");
    }

    @Test
    void udpToThePortFromAPeerPassesStampedAndCountsAsItsTraffic() {
        byte[] fou = fou(PEER, ME, PORT, INNER);
        assertEquals(FOU_BYTES, fou.length);
        assertEquals(new ProgramTestRun.Outcome(UNSPEC, IpipFilterProgram.PASSED), run(ingress, fou));
        assertEquals(new PeerMap.Counters(1, FOU_BYTES, 0, 0), peer());
        byte[] gue = fou(PEER, ME, PORT, gue(INNER));
        assertEquals(new ProgramTestRun.Outcome(UNSPEC, IpipFilterProgram.PASSED), run(ingress, gue));
        assertEquals(new PeerMap.Counters(2, 2L * FOU_BYTES + GUE_HEADER, 0, 0), peer(), "GUE: 4 bytes more");
        // plain IPIP still counts in the same counters
        byte[] ipip = ipv4(4, PEER, ME, new byte[0], 0, 0, INNER);
        assertEquals(new ProgramTestRun.Outcome(UNSPEC, IpipFilterProgram.PASSED), run(ingress, ipip));
        assertEquals(new PeerMap.Counters(3, 2L * FOU_BYTES + GUE_HEADER + 104, 0, 0), peer());
        assertEquals(RejectedCounters.Counts.ZERO, rejected.read());
    }

    @Test
    void udpToThePortFromANonPeerIsDroppedAndCountedWhateverItCarries() {
        dropped(fou(STRANGER, ME, PORT, INNER), "FOU");
        dropped(fou(STRANGER, ME, PORT, gue(INNER)), "GUE");
        dropped(fou(STRANGER, ME, PORT, new byte[] {0x45, 0}), "a datagram too short to carry a packet");
        dropped(fou(STRANGER, ME, PORT, new byte[0]), "an empty datagram");
        byte[] bogus = new byte[40];
        java.util.Arrays.fill(bogus, (byte) 0xff);
        dropped(fou(STRANGER, ME, PORT, bogus), "a bogus inner header");
        dropped(fou(STRANGER, -1, PORT, INNER), "to the broadcast address");
        dropped(fou(0, ME, PORT, INNER), "from 0.0.0.0");
        dropped(ipv4(4, STRANGER, ME, new byte[0], 0, 0, INNER), "plain IPIP, as before");
        assertEquals(8, rejected.read().underlayPackets());
        assertEquals(PeerMap.Counters.ZERO, peer());
    }

    @Test
    void theUdpHeaderIsReadPastTheIpOptions() {
        byte[] nops = {1, 1, 1, 0}; // NOP NOP NOP EOL: IHL 6
        dropped(ipv4(17, STRANGER, ME, nops, 0, 0, udp(40000, PORT, INNER)), "IP options, then UDP to the port");
        // options whose bytes would read as ports 0x15b3:0x15b3 where a 20-byte header ends
        byte[] lookLikePorts = {0x15, (byte) 0xb3, 0x15, (byte) 0xb3};
        untouched(
                ingress,
                ipv4(17, STRANGER, ME, lookLikePorts, 0, 0, udp(40000, PORT + 1, INNER)),
                "IP options that look like the port, then UDP to another port");
        byte[] longest = new byte[40]; // IHL 15: 60 bytes of header
        java.util.Arrays.fill(longest, (byte) 1);
        longest[39] = 0;
        dropped(ipv4(17, STRANGER, ME, longest, 0, 0, udp(40000, PORT, INNER)), "40 bytes of options");
        assertEquals(
                new ProgramTestRun.Outcome(UNSPEC, IpipFilterProgram.PASSED),
                run(ingress, ipv4(17, PEER, ME, nops, 0, 0, udp(40000, PORT, INNER))),
                "a peer's, with options");
    }

    @Test
    void otherUdpOtherProtocolsAndHeadersCutShortAreNotTouched() {
        untouched(
                ingress, ipv4(17, STRANGER, ME, new byte[0], 0, 0, udp(PORT, PORT + 1, INNER)), "UDP to another port");
        untouched(ingress, ipv4(17, STRANGER, ME, new byte[0], 0, 0, udp(40000, 53, new byte[4])), "DNS");
        untouched(ingress, ipv4(1, STRANGER, ME, new byte[0], 0, 0, new byte[64]), "ICMP");
        untouched(ingress, ipv4(6, STRANGER, ME, new byte[0], 0, 0, udp(40000, PORT, INNER)), "TCP to the port");
        // the ports cannot be read: the kernel's UDP drops a datagram shorter than its header
        untouched(
                ingress,
                ipv4(17, STRANGER, ME, new byte[0], 0, 0, new byte[] {(byte) 0x9c, 0x40, 0x15}),
                "a UDP header of 3 bytes");
        untouched(ingress, ipv4(17, STRANGER, ME, new byte[0], 0, 0, new byte[0]), "UDP without a header");
        untouched(
                ingress,
                ipv4(17, STRANGER, ME, new byte[] {1, 1, 1, 0}, 0, 0, new byte[] {(byte) 0x9c, 0x40}),
                "options, then 2 bytes");
    }

    @Test
    void aFirstFragmentIsJudgedLaterOnesPassUnjudged() {
        byte[][] stranger = fragments(STRANGER, ME, PORT, INNER, 7, 24);
        dropped(stranger[0], "the first fragment, with the UDP header");
        untouched(ingress, stranger[1], "a later fragment: no UDP header in it");
        untouched(
                ingress,
                ipv4(17, STRANGER, ME, new byte[0], 9, 3, udp(40000, PORT, INNER)),
                "a later fragment whose data looks like UDP to the port");
        byte[][] peers = fragments(PEER, ME, PORT, INNER, 8, 24);
        assertEquals(new ProgramTestRun.Outcome(UNSPEC, IpipFilterProgram.PASSED), run(ingress, peers[0]));
        assertEquals(new ProgramTestRun.Outcome(UNSPEC, 0), run(ingress, peers[1]));
        assertEquals(new PeerMap.Counters(1, 20 + 24, 0, 0), peer(), "the first fragment counts, with its bytes");
    }

    @Test
    void withoutAPortUdpToItIsNotLookedAt() {
        try (BpfProgram plain =
                BpfProgram.loadSchedCls("tm_it_plain", IpipFilterProgram.ingress(map.fd(), rejected.fd()))) {
            untouched(plain, fou(STRANGER, ME, PORT, INNER), "FOU from a non-peer, no port given");
            assertEquals(
                    new ProgramTestRun.Outcome(SHOT, 0), run(plain, ipv4(4, STRANGER, ME, new byte[0], 0, 0, INNER)));
        }
    }

    @Test
    void egressCountsUdpToThePortToAPeerAndPassesEverything() {
        assertEquals(new ProgramTestRun.Outcome(UNSPEC, 0), run(egress, fou(ME, PEER, PORT, INNER)));
        assertEquals(new PeerMap.Counters(0, 0, 1, FOU_BYTES), peer());
        assertEquals(new ProgramTestRun.Outcome(UNSPEC, 0), run(egress, fou(ME, STRANGER, PORT, INNER)));
        assertEquals(new ProgramTestRun.Outcome(UNSPEC, 0), run(egress, fou(ME, PEER, PORT + 1, INNER)));
        assertEquals(new ProgramTestRun.Outcome(UNSPEC, 0), run(egress, ipv4(4, ME, PEER, new byte[0], 0, 0, INNER)));
        assertEquals(new PeerMap.Counters(0, 0, 2, FOU_BYTES + 104), peer(), "FOU and IPIP to the peer, nothing else");
        assertEquals(RejectedCounters.Counts.ZERO, rejected.read());
    }
}
