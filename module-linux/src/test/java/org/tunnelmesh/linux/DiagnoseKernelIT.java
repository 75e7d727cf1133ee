package org.tunnelmesh.linux;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.tunnelmesh.linux.Lab.*;

import java.util.List;
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
    void sharedModeWarnsThatTunl0AcceptsAnySource() {
        try (LinuxTunnelMesh mesh = LinuxTunnelMesh.open(config(1, MeshMode.SHARED),
                List.of(peer(2), Peer.of("far", "10.245.1.200", "192.168.47.0/24")))) {
            try {
                List<String> lines = mesh.diagnose();
                has(lines, "OK CAP_NET_ADMIN");
                has(lines, "OK ipip: tunl0 present");
                has(lines, "WARN SHARED mode: tunl0 accepts IPIP from any source");
                has(lines, "OK underlay: 10.245.1.2 on eth0");
                has(lines, "OK mtu: tunnel 1480");
                has(lines, "rp_filter on eth0");
                has(lines, "OK peers: 2");
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
        try (LinuxTunnelMesh mesh = LinuxTunnelMesh.open(config(1, MeshMode.POINT_TO_POINT),
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
