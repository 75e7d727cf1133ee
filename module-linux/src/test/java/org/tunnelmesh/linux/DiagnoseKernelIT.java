package org.tunnelmesh.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.tunnelmesh.linux.Lab.*;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.tunnelmesh.MeshMode;
import org.tunnelmesh.Peer;

/** diagnose() tells an operator what the kernel offers and what may stop traffic. */
class DiagnoseKernelIT {

    @BeforeAll
    static void lab() {
        requireLab();
    }

    private static void has(List<String> lines, String text) {
        assertTrue(lines.stream().anyMatch(l -> l.contains(text)), "expected a line with '" + text + "' in " + lines);
    }

    @Test
    void sharedModeWithTheIpipFilterSaysOnlyPeersGetIn() {
        try (LinuxTunnelMesh mesh = LinuxTunnelMesh.open(config(1, MeshMode.SHARED), List.of(peer(2)))) {
            try {
                List<String> lines = mesh.diagnose();
                has(lines, "OK SHARED mode: tunl0 accepts IPIP only from peers");
                has(lines, "OK CAP_BPF: effective");
                has(lines, "OK ipip filter: ingress bpf program id");
                has(lines, "OK ipip filter: egress bpf program id");
                has(lines, "OK ipip filter: 1 peer underlay(s) allowed; 0 IPIP packet(s) from non-peers dropped");
                Lab.run(List.of("tc", "-n", "node1", "filter", "del", "dev", "eth0", "egress"));
                has(mesh.diagnose(), "FAIL ipip filter: no egress filter on eth0");
            } finally {
                mesh.purge();
            }
        }
    }

    @Test
    void sharedModeWithoutTheIpipFilterWarnsThatTunl0AcceptsAnySource() {
        try (LinuxTunnelMesh mesh = LinuxTunnelMesh.open(
                config(1, MeshMode.SHARED).toBuilder().ipipFilter(false).build(),
                List.of(peer(2), Peer.of("far", "10.245.1.200", "192.168.47.0/24")))) {
            try {
                List<String> lines = mesh.diagnose();
                has(lines, "OK CAP_NET_ADMIN");
                assertTrue(lines.stream().noneMatch(l -> l.contains("CAP_BPF")), "no filter, no CAP_BPF: " + lines);
                has(lines, "OK ipip: tunl0 present");
                has(lines, "WARN SHARED mode: tunl0 accepts IPIP from any source");
                has(lines, "OK underlay: 10.245.1.2 on eth0");
                has(lines, "OK mtu: tunnel 1480");
                has(lines, "rp_filter on eth0");
                has(lines, "OK peers: 2");
                has(lines, "WARN ipip filter: off");
            } finally {
                mesh.purge();
            }
        }
    }

    /**
     * A diagnosis dumps every route and nexthop of the namespace (40,000 beside a mesh of 20,000 peers) without the
     * mesh's lock: a change made meanwhile goes through, as the node's first addPeer calls after READY do while it logs
     * its diagnosis. The dump is held up here by holding the socket it reads on.
     */
    @Test
    void aChangeDoesNotWaitForADiagnosisReadingTheKernel() throws Exception {
        try (LinuxTunnelMesh mesh = LinuxTunnelMesh.open(config(1, MeshMode.SHARED), List.of(peer(2)))) {
            try {
                AtomicReference<Thread> diagnosing = new AtomicReference<>();
                Executor ownThread = task -> new Thread(task).start();
                CompletableFuture<List<String>> diagnosis;
                synchronized (mesh.counterReader()) {
                    diagnosis = CompletableFuture.supplyAsync(
                            () -> {
                                diagnosing.set(Thread.currentThread());
                                return mesh.diagnose();
                            },
                            ownThread);
                    ThreadWaits.awaitBlockedOn(
                            mesh.counterReader(), diagnosing, "diagnose() reading the kernel on the counters' socket");
                    // from another thread, as a JMX client's: held up only if the diagnosis held the mesh's lock
                    CompletableFuture<Void> adding = CompletableFuture.runAsync(() -> mesh.addPeer(peer(3)), ownThread);
                    ThreadWaits.awaitDone(adding, "addPeer waited for a diagnose() that was reading the kernel");
                    assertEquals(2, mesh.peers().size());
                }
                List<String> lines = diagnosis.get(60, TimeUnit.SECONDS);
                has(lines, "OK ipip: tunl0 present");
                has(lines, "OK host routes");
            } finally {
                mesh.purge();
            }
        }
    }

    /** node1's underlay narrowed to a /25 for this test, so 10.245.1.200 lies off its subnet. */
    @Test
    void pointToPointReportsTunl0DownAndAPeerOffTheUnderlaySubnet() {
        ip(1, "addr", "del", "10.245.1.2/24", "dev", "eth0");
        ip(1, "addr", "add", "10.245.1.2/25", "dev", "eth0");
        try (LinuxTunnelMesh mesh = LinuxTunnelMesh.open(
                config(1, MeshMode.POINT_TO_POINT),
                List.of(peer(2), Peer.of("far", "10.245.1.200", "192.168.47.0/24")))) {
            try {
                List<String> lines = mesh.diagnose();
                has(lines, "OK POINT_TO_POINT mode: tunl0 is down");
                has(lines, "WARN peer 'far': underlay 10.245.1.200 is not on the underlay device's subnet");
            } finally {
                mesh.purge();
            }
        } finally {
            ip(1, "addr", "del", "10.245.1.2/25", "dev", "eth0");
            ip(1, "addr", "add", "10.245.1.2/24", "dev", "eth0");
        }
    }
}
