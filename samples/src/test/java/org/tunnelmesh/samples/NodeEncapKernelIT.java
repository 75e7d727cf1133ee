package org.tunnelmesh.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.tunnelmesh.linux.LabKernel.linkNames;
import static org.tunnelmesh.linux.LabKernel.snapshot;
import static org.tunnelmesh.samples.LabNode.sh;

import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The node with {@code --encap} (issue 26): two nodes with GUE on port 6000 ping each other, the Mesh MBean says
 * {@code GUE:6000} and the Peer MBean's device is tm0, {@code --purge-on-exit} leaves neither tm0 nor the port; a port
 * someone else holds is exit 2 with one line, the kernel unchanged.
 */
class NodeEncapKernelIT {
    private final LabNode node1 = new LabNode("node1", "10.245.1.2", "192.168.41.0");
    private final LabNode node2 = new LabNode("node2", "10.245.1.3", "192.168.42.0");

    @BeforeEach
    void inTheLab() throws Exception {
        assertTrue(sh("ip netns list").contains("node1"), "run this through lab/kernel-lab");
    }

    @AfterEach
    void stopAndClean() throws Exception {
        node1.stop();
        node2.stop();
        for (String ns : new String[] {"node1", "node2"}) {
            sh("ip -n " + ns + " route flush proto 87; ip -n " + ns + " nexthop flush proto 87 2>/dev/null;"
                    + " ip -n " + ns + " link del tm0 2>/dev/null; ip -n " + ns + " fou del port 6000 2>/dev/null;"
                    + " ip -n " + ns + " fou del port 5555 2>/dev/null; tc -n " + ns
                    + " qdisc del dev eth0 clsact 2>/dev/null; true");
        }
    }

    @Test
    void twoNodesWithGuePingAndPurgeOnExitLeavesNoTm0NorPort() throws Exception {
        node1.start(List.of("--encap", "gue:6000", "--purge-on-exit", "--peer", "node2@10.245.1.3=192.168.42.0/24"));
        node2.start(List.of("--encap", "gue:6000", "--purge-on-exit", "--peer", "node1@10.245.1.2=192.168.41.0/24"));
        assertTrue(node1.pings(node2), "node1 -> node2 inside UDP");
        assertEquals("GUE:6000", node1.read(node1.meshMBean(), "Encapsulation"));
        assertEquals(1468L, ((Number) node1.read(node1.meshMBean(), "Mtu")).longValue());
        assertEquals("tm0", node1.read("org.tunnelmesh:type=Peer,mesh=node1,name=node2", "Device"));
        assertTrue(sh("ip -n node1 fou show").contains("port 6000 gue"));

        node1.stop();
        assertFalse(linkNames(1).contains("tm0"), "purged: " + linkNames(1));
        assertEquals("", sh("ip -n node1 fou show").strip(), "purged: no fou port");
    }

    @Test
    void aPortSomeoneElseHoldsExitsTwoWithOneLineAndChangesNothing() throws Exception {
        sh("ip -n node1 fou add port 5555 gue");
        Object before = snapshot(1);
        node1.launch(List.of("--encap", "fou", "--peer", "node2@10.245.1.3=192.168.42.0/24"));
        assertEquals(2, node1.awaitExit(), node1.tail());
        assertEquals(before, snapshot(1), "nothing changed in the kernel");
        List<String> lines = node1.log()
                .lines()
                .filter(l -> l.startsWith("tunnelmesh-node: "))
                .toList();
        assertTrue(!lines.isEmpty(), node1.log()); // the log is appended to across runs: the last line is this one's
        String line = lines.get(lines.size() - 1);
        assertTrue(line.contains("UDP port 5555 is already a fou port (port 5555 gue)"), line);
        assertTrue(sh("ip -n node1 fou show").contains("port 5555 gue"), "the other's port is left alone");
    }
}
