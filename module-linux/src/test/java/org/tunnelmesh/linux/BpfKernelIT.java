package org.tunnelmesh.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.tunnelmesh.linux.bpf.BpfAssembler;
import org.tunnelmesh.linux.bpf.BpfProgram;
import org.tunnelmesh.linux.bpf.IpipFilterProgram;
import org.tunnelmesh.linux.bpf.PeerMap;
import org.tunnelmesh.linux.bpf.RejectedCounters;

/** The BPF side against the lab kernel: the verifier's log in a refusal, the peer map's batch operations. */
class BpfKernelIT {

    @BeforeEach
    void inTheLab() {
        Lab.requireLab();
    }

    @Test
    void aRefusedProgramCarriesTheVerifiersLog() {
        // returns R0 without ever writing it: every verifier refuses that, as root too (a read of an
        // unwritten stack slot is no longer refused for root since the CVE-2023-52452 fix, 6.1.192)
        byte[] bad = new BpfAssembler().exit().assemble();
        BpfProgram.ProgramRefusedException e =
                assertThrows(BpfProgram.ProgramRefusedException.class, () -> BpfProgram.loadSchedCls("tm_bad", bad));
        assertEquals(13, e.errno(), "EACCES");
        assertTrue(e.verifierLog().contains("R0 !read_ok"), e.verifierLog());
        assertTrue(e.getMessage().contains("verifier log"), e.getMessage());
    }

    @Test
    void theFilterProgramsPassTheVerifier() {
        try (PeerMap map = PeerMap.create("tm_it", 15);
                RejectedCounters rejected = RejectedCounters.create("tm_it_rej");
                BpfProgram in = BpfProgram.loadSchedCls("tm_in", IpipFilterProgram.ingress(map.fd(), rejected.fd()));
                BpfProgram out = BpfProgram.loadSchedCls("tm_out", IpipFilterProgram.egress(map.fd()));
                BpfProgram tunnel = BpfProgram.loadSchedCls("tm_tun", IpipFilterProgram.tunnelIngress(rejected.fd()))) {
            assertTrue(
                    in.id() > 0 && out.id() > 0 && tunnel.id() > 0 && in.id() != out.id() && out.id() != tunnel.id());
        }
    }

    /** No key of the peer map is the rejected counters': those live in a map no packet's address reaches. */
    @Test
    void aNewPeerMapIsEmptyAndTheRejectedCountersStartAtZero() {
        try (PeerMap map = PeerMap.create("tm_it", 15);
                RejectedCounters rejected = RejectedCounters.create("tm_it_rej")) {
            assertEquals(Map.of(), map.readAll(), "no slot for address 0.0.0.0 or any other non-peer");
            assertEquals(RejectedCounters.Counts.ZERO, rejected.read());
            assertEquals(15, map.maxPeers());
        }
    }

    @Test
    void thePeerMapAddsRemovesAndReadsInBatches() {
        try (PeerMap map = PeerMap.create("tm_it", 2047)) {
            assertEquals(Map.of(), map.readAll(), "empty");
            List<Integer> peers = new ArrayList<>();
            for (int i = 0; i < 2000; i++) {
                peers.add(0x0ac80001 + i);
            }
            map.add(peers);
            Map<Integer, PeerMap.Counters> all = map.readAll();
            assertEquals(2000, all.size());
            assertEquals(PeerMap.Counters.ZERO, all.get(0x0ac80001));
            // keys already gone are fine, in the middle of a batch too
            map.remove(List.of(0x0ac80001, 0x0b000001, 0x0ac80002));
            assertEquals(1998, map.readAll().size());
            map.putAll(Map.of(0x0ac80001, new PeerMap.Counters(1, 2, 3, 4)));
            assertEquals(new PeerMap.Counters(1, 2, 3, 4), map.readAll().get(0x0ac80001));
            // full: the kernel refuses, and what this call added is taken out again
            List<Integer> tooMany = new ArrayList<>();
            for (int i = 0; i < 101; i++) {
                tooMany.add(0x0ad00001 + i);
            }
            assertThrows(RuntimeException.class, () -> map.add(tooMany));
            assertEquals(1999, map.readAll().size(), "all or none");
        }
    }
}
