package org.tunnelmesh.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.tunnelmesh.linux.Lab.ip;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.tunnelmesh.MeshConfig;
import org.tunnelmesh.MeshMode;

/**
 * The encrypted mesh (issue 27) between lab nodes: what crosses the underlay is ESP only, a node with another key or
 * without encryption is shut out (and the drops counted), the states are owned like the routes (adopted on restart,
 * repaired when deleted by hand, purged, others' untouched), and a key rotation under 20 pings a second loses none.
 */
class EncryptedMeshKernelIT {
    private static final String K1 = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
    private static final String K2 = "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f";
    private static final String K3 = "404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f";

    @RegisterExtension
    final LabMeshes meshes = new LabMeshes();

    private Path dir;

    @BeforeEach
    void keyDirectory() throws Exception {
        dir = Files.createTempDirectory("tm-keys");
        cleanForeign();
    }

    @AfterEach
    void cleanForeign() {
        for (int node = 1; node <= 3; node++) {
            Lab.ipIgnoringFailure(
                    node,
                    "xfrm",
                    "state",
                    "delete",
                    "src",
                    "10.245.1.9",
                    "dst",
                    Lab.underlay(node),
                    "proto",
                    "esp",
                    "spi",
                    "0x777");
            Lab.ipIgnoringFailure(
                    node,
                    "xfrm",
                    "policy",
                    "delete",
                    "src",
                    "10.245.1.9/32",
                    "dst",
                    Lab.underlay(node) + "/32",
                    "proto",
                    "4",
                    "dir",
                    "in");
        }
    }

    private Path keyFile(String name, String... keys) throws Exception {
        Path file = dir.resolve(name);
        Files.writeString(file, String.join("\n", keys) + "\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        return file;
    }

    private static MeshConfig encrypted(int node, MeshMode mode, Path keys, boolean watch) {
        MeshConfig base = watch ? Lab.watchingConfig(node, mode) : Lab.config(node, mode);
        return base.toBuilder().encryptionKeyFile(keys).build();
    }

    @ParameterizedTest
    @EnumSource(MeshMode.class)
    void theUnderlayCarriesOnlyEsp(MeshMode mode) throws Exception {
        Path keys = keyFile("keys", K1);
        LinuxTunnelMesh node1 = meshes.open(encrypted(1, mode, keys, false), 2);
        LinuxTunnelMesh node2 = meshes.open(encrypted(2, mode, keys, false), 1);
        assertEquals("rfc4106(gcm(aes))", node1.encryption());
        assertEquals(1500 - 20 - MeshEncryption.ESP_OVERHEAD, node1.mtu(), "the tunnel MTU gives up ESP's overhead");
        LabCapture capture = LabCapture.start(2);
        int replies;
        try {
            replies = Lab.ping(1, Lab.tunnelAddress(2), 5);
            capture.awaitPackets("esp", 10);
        } finally {
            capture.stop();
        }
        assertEquals(5, replies, () -> debug(capture));
        assertTrue(capture.read("esp").size() >= 10, "5 requests and 5 replies as ESP: " + capture.read(""));
        assertEquals(List.of(), capture.read("ip proto 4"), "no IPIP in the clear");
        assertEquals(List.of(), capture.read("icmp"), "no ICMP in the clear");
        var counters = node1.encryptionCounters().get(Lab.peer(2).name());
        assertTrue(counters.txPackets() >= 5 && counters.rxPackets() >= 5, counters::toString);
        assertEquals(0, counters.integrityFailed());
        assertTrue(
                String.join("\n", node2.diagnose()).contains("OK encryption: rfc4106(gcm(aes))"),
                () -> String.join("\n", node2.diagnose()));
    }

    /** With FOU (issue 26) the policies select UDP to the port: the IPIP inside UDP is what ESP protects. */
    @ParameterizedTest
    @EnumSource(MeshMode.class)
    void withFouTheUnderlayCarriesOnlyEspToo(MeshMode mode) throws Exception {
        Path keys = keyFile("keys", K1);
        MeshConfig one = encrypted(1, mode, keys, false).toBuilder()
                .encapsulation("fou:5555")
                .build();
        MeshConfig two = encrypted(2, mode, keys, false).toBuilder()
                .encapsulation("fou:5555")
                .build();
        LinuxTunnelMesh node1 = meshes.open(one, 2);
        meshes.open(two, 1);
        assertEquals(1500 - 28 - MeshEncryption.ESP_OVERHEAD, node1.mtu(), "FOU's and ESP's overheads both");
        LabCapture capture = LabCapture.start(2);
        int replies;
        try {
            replies = Lab.ping(1, Lab.tunnelAddress(2), 5);
            capture.awaitPackets("esp", 10);
        } finally {
            capture.stop();
        }
        assertEquals(5, replies, () -> debug(capture));
        assertTrue(capture.read("esp").size() >= 10, "5 requests and 5 replies as ESP: " + capture.read(""));
        assertEquals(List.of(), capture.read("udp"), "no UDP (FOU) in the clear");
        assertEquals(List.of(), capture.read("ip proto 4"), "no IPIP in the clear");
        assertEquals(List.of(), capture.read("icmp"), "no ICMP in the clear");
        String policies = ip(1, "xfrm", "policy");
        assertTrue(
                policies.contains("src 10.245.1.3/32 dst 10.245.1.2/32 proto udp dport 5555 \n\tdir in"),
                "in: UDP to the port, as it arrives: " + policies);
        assertTrue(
                Pattern.compile("src 10\\.245\\.1\\.2/32 dst 10\\.245\\.1\\.3/32 proto (4|ipip|ipencap) \n\tdir out")
                        .matcher(policies)
                        .find(),
                "out: IPIP, the flow the tunnel looks its route up with: " + policies);
    }

    @ParameterizedTest
    @EnumSource(MeshMode.class)
    void aNodeWithAnotherKeyCannotReachThemNorDisturbThem(MeshMode mode) throws Exception {
        Path keys = keyFile("keys", K1);
        Path other = keyFile("other", K3);
        meshes.open(encrypted(1, mode, keys, false), 2, 3);
        meshes.open(encrypted(2, mode, keys, false), 1, 3);
        meshes.open(encrypted(3, mode, other, false), 1, 2);
        assertEquals(0, Lab.ping(3, Lab.tunnelAddress(1), 3));
        assertEquals(0, Lab.ping(1, Lab.tunnelAddress(3), 3));
        assertEquals(5, Lab.ping(1, Lab.tunnelAddress(2), 5));
    }

    @ParameterizedTest
    @EnumSource(MeshMode.class)
    void unprotectedIpipFromAPeerIsDroppedAndCounted(MeshMode mode) throws Exception {
        Path keys = keyFile("keys", K1);
        LinuxTunnelMesh node1 = meshes.open(encrypted(1, mode, keys, false), 2);
        meshes.open(Lab.config(2, mode), 1); // node2 sends plain IPIP from a peer's address
        long before = node1.unprotectedRejectedPackets();
        assertTrue(before >= 0, "the lab kernel counts them (CONFIG_XFRM_STATISTICS)");
        assertEquals(0, Lab.ping(2, Lab.tunnelAddress(1), 3));
        assertTrue(node1.unprotectedRejectedPackets() - before >= 3, "3 echo requests dropped and counted");
    }

    @Test
    void aRestartAdoptsTheStatesAndAPurgeRemovesOnlyTheMeshs() throws Exception {
        Path keys = keyFile("keys", K1, K2);
        LinuxTunnelMesh node1 = meshes.open(encrypted(1, MeshMode.SHARED, keys, false), 2, 3);
        String states = ip(1, "xfrm", "state");
        // one outbound state per peer, one inbound per peer and key
        assertEquals(2 + 2 * 2, count(states, "proto esp"), states);
        // another owner's state and policy: never read as the mesh's, never removed
        ip(
                1,
                "xfrm",
                "state",
                "add",
                "src",
                "10.245.1.9",
                "dst",
                Lab.underlay(1),
                "proto",
                "esp",
                "spi",
                "0x777",
                "reqid",
                "7",
                "mode",
                "transport",
                "aead",
                "rfc4106(gcm(aes))",
                "0x" + K3 + "01020304",
                "128");
        ip(
                1,
                "xfrm",
                "policy",
                "add",
                "src",
                "10.245.1.9/32",
                "dst",
                Lab.underlay(1) + "/32",
                "proto",
                "4",
                "dir",
                "in",
                "tmpl",
                "src",
                "10.245.1.9",
                "dst",
                Lab.underlay(1),
                "proto",
                "esp",
                "reqid",
                "7",
                "mode",
                "transport");
        meshes.closeLeavingState(node1);
        node1 = meshes.open(encrypted(1, MeshMode.SHARED, keys, false), 2, 3);
        assertEquals(0, node1.reconcile(), "everything adopted");
        assertEquals(ours(states), ours(ip(1, "xfrm", "state")), "the same states, none replaced");
        node1.purge();
        String after = ip(1, "xfrm", "state") + ip(1, "xfrm", "policy");
        assertEquals(1, count(after, "proto esp spi 0x00000777"), after);
        assertEquals(2, count(after, "reqid 7 "), "the foreign state and policy: " + after);
        assertFalse(after.contains("reqid " + MeshEncryption.reqid(MeshConfig.DEFAULT_ROUTE_PROTOCOL)), after);
    }

    /**
     * Restart with encryption loses no packet, as without it: node1 closes (leaving its states and policies) and opens
     * again under 20 pings a second; it adopts the states (their sequence numbers and replay windows go on), so every
     * ping is answered and nothing needs repairing after.
     */
    @ParameterizedTest
    @EnumSource(MeshMode.class)
    void aRestartUnderTwentyPingsASecondLosesNone(MeshMode mode) throws Exception {
        Path keys = keyFile("keys", K1);
        MeshConfig config1 = encrypted(1, mode, keys, true);
        LinuxTunnelMesh node1 = meshes.open(config1, 2);
        meshes.open(encrypted(2, mode, keys, false), 1);
        assertEquals(3, Lab.ping(1, Lab.tunnelAddress(2), 3));
        String states = ip(1, "xfrm", "state");

        LabPing ping = LabPing.start(1, 2, "0.05", 0);
        Repairs repairs = new Repairs();
        LabPing.Summary summary;
        try {
            Lab.sleep(1000);
            meshes.closeLeavingState(node1);
            node1 = meshes.open(config1, 2);
            node1.addListener(repairs);
            assertEquals(0, node1.reconcile(), "nothing to repair after the restart's adoption");
            Lab.sleep(1000);
        } finally {
            summary = ping.stop();
        }
        assertTrue(summary.sent() >= 20, "pings ran across the restart: " + summary.text());
        assertTrue(summary.noneLost(), "no packet lost across the restart: " + summary.text());
        assertEquals(ours(states), ours(ip(1, "xfrm", "state")), "the same states, none replaced");
        assertEquals(List.of(), repairs.seen(), "nothing repaired after the restart");
        org.tunnelmesh.EncryptionCounters counters = node1.encryptionCounters().get("node2");
        assertTrue(counters.txPackets() >= 20, "the adopted states count on: " + counters);
    }

    /**
     * Replayed and forged ESP packets are counted per peer. node2's outbound state to node1 is replaced by hand with
     * one of the same SPI and another key, its sequence numbers starting again at 1: its first 3 packets repeat
     * sequence numbers node1 has seen (replays, dropped before authentication), the next fail authentication.
     */
    @Test
    void replayedAndForgedPacketsAreCountedForThePeer() throws Exception {
        Path keys = keyFile("keys", K1);
        LinuxTunnelMesh node1 = meshes.open(encrypted(1, MeshMode.SHARED, keys, false), 2);
        meshes.open(encrypted(2, MeshMode.SHARED, keys, false), 1);
        assertEquals(3, Lab.ping(2, Lab.tunnelAddress(1), 3));
        org.tunnelmesh.EncryptionCounters before = node1.encryptionCounters().get("node2");
        assertEquals(0, before.replayFailed(), before::toString);
        assertEquals(0, before.integrityFailed(), before::toString);
        String spi = firstState(2, Lab.underlay(2), Lab.underlay(1));
        ip(2, "xfrm", "state", "delete", "src", Lab.underlay(2), "dst", Lab.underlay(1), "proto", "esp", "spi", spi);
        ip(
                2,
                "xfrm",
                "state",
                "add",
                "src",
                Lab.underlay(2),
                "dst",
                Lab.underlay(1),
                "proto",
                "esp",
                "spi",
                spi,
                "reqid",
                String.valueOf(MeshEncryption.reqid(MeshConfig.DEFAULT_ROUTE_PROTOCOL)),
                "mode",
                "transport",
                "aead",
                "rfc4106(gcm(aes))",
                "0x" + K3 + "01020304",
                "128");

        assertEquals(0, Lab.ping(2, Lab.tunnelAddress(1), 3));
        org.tunnelmesh.EncryptionCounters replayed = node1.encryptionCounters().get("node2");
        assertEquals(3, replayed.replayFailed(), () -> replayed + "\n" + ip(1, "-s", "xfrm", "state"));
        assertEquals(0, replayed.integrityFailed(), replayed::toString);

        assertEquals(0, Lab.ping(2, Lab.tunnelAddress(1), 3));
        org.tunnelmesh.EncryptionCounters forged = node1.encryptionCounters().get("node2");
        assertEquals(3, forged.integrityFailed(), () -> forged + "\n" + ip(1, "-s", "xfrm", "state"));
        assertEquals(3, forged.replayFailed(), forged::toString);
        assertEquals(before.rxPackets(), forged.rxPackets(), "none of them received");
    }

    @Test
    void aStateOrPolicyDeletedByHandIsBack() throws Exception {
        Path keys = keyFile("keys", K1);
        meshes.open(encrypted(1, MeshMode.SHARED, keys, true), 2);
        meshes.open(encrypted(2, MeshMode.SHARED, keys, false), 1);
        String outbound = firstState(1, Lab.underlay(1), Lab.underlay(2));
        ip(
                1,
                "xfrm",
                "state",
                "delete",
                "src",
                Lab.underlay(1),
                "dst",
                Lab.underlay(2),
                "proto",
                "esp",
                "spi",
                outbound);
        ip(
                1,
                "xfrm",
                "policy",
                "delete",
                "src",
                Lab.underlay(2) + "/32",
                "dst",
                Lab.underlay(1) + "/32",
                "proto",
                "4",
                "dir",
                "in");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while ((firstState(1, Lab.underlay(1), Lab.underlay(2)) == null
                        || !ip(1, "xfrm", "policy").contains("dir in"))
                && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertEquals(outbound, firstState(1, Lab.underlay(1), Lab.underlay(2)), "the same state is back");
        assertTrue(ip(1, "xfrm", "policy").contains("dir in"), "the inbound policy is back");
        assertEquals(5, Lab.ping(1, Lab.tunnelAddress(2), 5));
    }

    /**
     * The rotation of issue 27: add K2 on every node, move it first on every node, remove K1 on every node - under 20
     * pings a second, none lost. Afterwards only K2's states remain (the grace period over).
     */
    @Test
    void aKeyRotationUnderTwentyPingsASecondLosesNone() throws Exception {
        MeshEncryption.graceMillis = 1_000;
        try {
            Path keys1 = keyFile("keys1", K1);
            Path keys2 = keyFile("keys2", K1);
            LinuxTunnelMesh node1 = meshes.open(encrypted(1, MeshMode.SHARED, keys1, false), 2);
            LinuxTunnelMesh node2 = meshes.open(encrypted(2, MeshMode.SHARED, keys2, false), 1);
            assertEquals(5, Lab.ping(1, Lab.tunnelAddress(2), 5));
            LabPing ping = LabPing.start(1, 2, "0.05", 200);
            String[][] steps = {{K1, K2}, {K2, K1}, {K2}};
            for (String[] step : steps) {
                Lab.sleep(1_500);
                keyFile("keys1", step);
                node1.reloadEncryptionKeys();
                keyFile("keys2", step);
                node2.reloadEncryptionKeys();
            }
            LabPing.Summary summary = ping.awaitEnd();
            assertEquals("200 200", summary.sent() + " " + summary.received(), "0 lost: " + summary.text());
            Lab.sleep(1_500); // the grace period, and its reconcile
            String states = ip(1, "xfrm", "state");
            assertEquals(2, count(states, "proto esp"), "K1's inbound state gone after the grace period:\n" + states);
            assertEquals(5, Lab.ping(2, Lab.tunnelAddress(1), 5));
        } finally {
            MeshEncryption.graceMillis = 10_000;
        }
    }

    /**
     * A state the kernel refuses (here: another owner's state holds the SPI the new peer's inbound state needs) fails
     * the addPeer whole: the mesh's states and policies of that peer are removed again, no route was added, and the
     * other owner's state is left alone.
     */
    @Test
    void aRefusedStateRollsTheWholeAddBack() throws Exception {
        Path keys = keyFile("keys", K1);
        LinuxTunnelMesh node1 = meshes.open(encrypted(1, MeshMode.SHARED, keys, false), 2);
        int spi = org.tunnelmesh.linux.xfrm.EspKeys.derive(
                        java.util.HexFormat.of().parseHex(K1),
                        org.tunnelmesh.Ipv4Address.parse(Lab.underlay(3)),
                        org.tunnelmesh.Ipv4Address.parse(Lab.underlay(1)))
                .spi();
        String spiHex = "0x" + Integer.toHexString(spi);
        ip(
                1,
                "xfrm",
                "state",
                "add",
                "src",
                Lab.underlay(3),
                "dst",
                Lab.underlay(1),
                "proto",
                "esp",
                "spi",
                spiHex,
                "reqid",
                "7",
                "mode",
                "transport",
                "aead",
                "rfc4106(gcm(aes))",
                "0x" + K3 + "01020304",
                "128");
        try {
            String before = ip(1, "xfrm", "state") + ip(1, "xfrm", "policy");
            var e = org.junit.jupiter.api.Assertions.assertThrows(
                    org.tunnelmesh.ConflictException.class, () -> node1.addPeer(Lab.peer(3)));
            assertTrue(e.getMessage().contains("ip xfrm state add src " + Lab.underlay(3)), e.getMessage());
            assertEquals(List.of(Lab.peer(2)), node1.peers());
            assertEquals(
                    before, ip(1, "xfrm", "state") + ip(1, "xfrm", "policy"), "rolled back, the foreign state kept");
            assertFalse(ip(1, "route").contains("192.168.43.0/24"), "no route for the refused peer");
        } finally {
            Lab.ipIgnoringFailure(
                    1,
                    "xfrm",
                    "state",
                    "delete",
                    "src",
                    Lab.underlay(3),
                    "dst",
                    Lab.underlay(1),
                    "proto",
                    "esp",
                    "spi",
                    spiHex);
        }
    }

    @Test
    void aBadKeyFileChangesNothing() throws Exception {
        Path keys = keyFile("keys", K1);
        LinuxTunnelMesh node1 = meshes.open(encrypted(1, MeshMode.SHARED, keys, false), 2);
        String before = ip(1, "xfrm", "state");
        Files.writeString(keys, "not a key\n");
        var e = org.junit.jupiter.api.Assertions.assertThrows(
                org.tunnelmesh.InvalidInputException.class, node1::reloadEncryptionKeys);
        assertTrue(e.getMessage().contains("line 1: a key is 64 hex digits"), e.getMessage());
        assertEquals(before, ip(1, "xfrm", "state"));
    }

    private static String debug(LabCapture capture) {
        StringBuilder b = new StringBuilder(String.join("\n", capture.read("")));
        for (int node = 1; node <= 2; node++) {
            b.append("\n== node").append(node).append('\n').append(ip(node, "-s", "xfrm", "state"));
            b.append(ip(node, "xfrm", "policy")).append(ip(node, "route")).append(ip(node, "nexthop"));
            b.append(ip(node, "-s", "link", "show", "tunl0"));
            b.append(Lab.exec(node, "cat", "/proc/net/xfrm_stat").output());
        }
        return b.toString();
    }

    private static String firstState(int node, String src, String dst) {
        Matcher m = Pattern.compile(
                        "src " + Pattern.quote(src) + " dst " + Pattern.quote(dst) + "\\s+proto esp spi (0x[0-9a-f]+)")
                .matcher(ip(node, "xfrm", "state"));
        return m.find() ? m.group(1) : null;
    }

    /** The mesh's states as "src A dst B spi S" lines, from {@code ip xfrm state}. */
    private static List<String> ours(String states) {
        Matcher m = Pattern.compile("src (\\S+) dst (\\S+)\\s+proto esp spi (0x[0-9a-f]+) reqid (\\d+)")
                .matcher(states);
        List<String> found = new ArrayList<>();
        while (m.find()) {
            if (Integer.parseInt(m.group(4)) == MeshEncryption.reqid(MeshConfig.DEFAULT_ROUTE_PROTOCOL)) {
                found.add("src " + m.group(1) + " dst " + m.group(2) + " spi " + m.group(3));
            }
        }
        java.util.Collections.sort(found);
        return found;
    }

    private static int count(String text, String what) {
        int n = 0;
        for (int at = text.indexOf(what); at >= 0; at = text.indexOf(what, at + 1)) {
            n++;
        }
        return n;
    }
}
