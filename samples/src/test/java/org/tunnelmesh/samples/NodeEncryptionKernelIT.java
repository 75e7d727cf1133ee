package org.tunnelmesh.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.tunnelmesh.samples.LabNode.sh;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The node with {@code --encryption-key-file}: the Mesh MBean says what encrypts, pings cross, SIGHUP and
 * {@code reloadEncryptionKeys()} take a rotated key file, a bad key file stops the start (exit 2, one line, the kernel
 * untouched), and {@code --purge-on-exit} takes the states and policies with it.
 */
class NodeEncryptionKernelIT {
    private static final String K1 = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
    private static final String K2 = "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f";

    private final LabNode node1 = new LabNode("node1", "10.245.1.2", "192.168.41.0");
    private final LabNode node2 = new LabNode("node2", "10.245.1.3", "192.168.42.0");

    @AfterEach
    void stop() throws Exception {
        node1.stop();
        node2.stop();
        sh("for n in node1 node2; do ip -n $n xfrm state flush; ip -n $n xfrm policy flush; done; true");
    }

    private static Path keyFile(Path dir, String name, String... keys) throws Exception {
        Path file = dir.resolve(name);
        Files.writeString(file, String.join("\n", keys) + "\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        return file;
    }

    private static List<String> options(Path keys, String peer) {
        return List.of("--encryption-key-file", keys.toString(), "--peer", peer, "--purge-on-exit");
    }

    @Test
    void twoEncryptingNodesPingAndTakeARotatedKeyFileOnSighupAndOverJmx() throws Exception {
        Path dir = Files.createTempDirectory("tm-node-keys");
        Path keys1 = keyFile(dir, "keys1", K1);
        Path keys2 = keyFile(dir, "keys2", K1);
        node1.start(options(keys1, "node2@10.245.1.3=192.168.42.0/24"));
        node2.start(options(keys2, "node1@10.245.1.2=192.168.41.0/24"));
        assertEquals("rfc4106(gcm(aes))", node1.read(node1.meshMBean(), "Encryption"));
        assertTrue(node1.pings(node2), node1.tail());
        assertEquals(2, espStates(1), sh("ip -n node1 xfrm state"));
        // the ping's request and reply, on the Peer MBean's ESP counters
        String peer2 = "org.tunnelmesh:type=Peer,mesh=node1,name=node2";
        assertTrue(((Number) node1.read(peer2, "EspTxPackets")).longValue() >= 1, sh("ip -n node1 -s xfrm state"));
        assertTrue(((Number) node1.read(peer2, "EspTxBytes")).longValue() >= 64);
        assertTrue(((Number) node1.read(peer2, "EspRxPackets")).longValue() >= 1);
        assertTrue(((Number) node1.read(peer2, "EspRxBytes")).longValue() >= 64);
        assertEquals(0L, ((Number) node1.read(peer2, "EspIntegrityFailures")).longValue());
        assertEquals(0L, ((Number) node1.read(peer2, "EspReplayFailures")).longValue());

        // step 1 by SIGHUP: K2 added, every node receives with both
        keyFile(dir, "keys1", K1, K2);
        keyFile(dir, "keys2", K1, K2);
        for (LabNode node : List.of(node1, node2)) {
            sh("kill -HUP $(ip netns pids " + node.netns + " | head -n 1)");
        }
        awaitLog(node1, "SIGHUP: encryption keys reloaded");
        awaitLog(node2, "SIGHUP: encryption keys reloaded");
        assertEquals(3, espStates(1), "one outbound, two inbound: " + sh("ip -n node1 xfrm state"));
        // step 2 over JMX: K2 first
        keyFile(dir, "keys1", K2, K1);
        keyFile(dir, "keys2", K2, K1);
        assertEquals(200L, ((Number) node1.exec("reloadEncryptionKeys").get("status")).longValue());
        assertEquals(200L, ((Number) node2.exec("reloadEncryptionKeys").get("status")).longValue());
        assertTrue(node1.pings(node2), node1.tail());
        assertTrue(node2.pings(node1), node2.tail());

        node1.stop();
        assertEquals(0, espStates(1), "purged on exit: " + sh("ip -n node1 xfrm state"));
        assertFalse(sh("ip -n node1 xfrm policy").contains("proto esp"), "policies purged too");
    }

    @Test
    void aBadKeyFileStopsTheStartWithOneLineAndNothingChanged() throws Exception {
        Path dir = Files.createTempDirectory("tm-node-keys");
        Path bad = keyFile(dir, "keys", K1.substring(2));
        node1.launch(options(bad, "node2@10.245.1.3=192.168.42.0/24"));
        assertEquals(2, node1.awaitExit(), node1.log());
        String[] lines = node1.log().strip().split("\n");
        assertEquals(
                "tunnelmesh-node: --encryption-key-file: encryption key file " + bad
                        + ", line 1: a key is 64 hex digits (32 random bytes), this line has 62 characters;"
                        + " make one with: openssl rand -hex 32",
                lines[lines.length - 1]);
        assertFalse(node1.log().contains(K1.substring(2, 20)), "the key never appears in the log");
        assertEquals(0, espStates(1));
        assertEquals("", sh("ip -n node1 route show proto 87"));
    }

    private static int espStates(int node) throws Exception {
        return (int) sh("ip -n node" + node + " xfrm state")
                .lines()
                .filter(l -> l.contains("proto esp"))
                .count();
    }

    private static void awaitLog(LabNode node, String text) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!node.log().contains(text)) {
            assertTrue(System.nanoTime() < deadline, node.name + " never logged '" + text + "': " + node.tail());
            Thread.sleep(100);
        }
    }
}
