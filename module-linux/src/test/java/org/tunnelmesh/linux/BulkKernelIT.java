package org.tunnelmesh.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.tunnelmesh.linux.Lab.*;
import static org.tunnelmesh.linux.LabKernel.*;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.tunnelmesh.ConflictException;
import org.tunnelmesh.MeshMode;
import org.tunnelmesh.Peer;
import org.tunnelmesh.TunnelDevice;
import org.tunnelmesh.testing.SeedPeers;

/**
 * Many peers in one call: the requests go out in several sends (more than one chunk of the socket's
 * buffer), every ack is matched, and a refusal in the middle rolls back the whole call.
 * Within the seed's addresses: underlays 10.245.1.10-249, one /32 per subnet from 192.168.42-49.x.
 */
class BulkKernelIT {
    private static final int PEERS = SeedPeers.MAX;
    private static final int SUBNETS_PER_PEER = 8;

    @RegisterExtension
    final LabMeshes meshes = new LabMeshes();

    @Test
    void aBatchBiggerThanOneSendIsAppliedAndRemovedWhole() {
        LinuxTunnelMesh mesh = meshes.open(1, MeshMode.SHARED);
        List<Peer> peers = SeedPeers.of(PEERS, SUBNETS_PER_PEER);

        mesh.addPeers(peers);

        // 240 nexthops and 1,920 routes: about 2,160 requests, more than one chunk (1,024 requests / 64 KiB)
        assertEquals(PEERS * SUBNETS_PER_PEER, routes(1, "proto", "87").size());
        assertEquals(PEERS, nexthops(1, "protocol", "87").size());
        assertEquals(PEERS, mesh.peers().size());
        assertEquals(0, mesh.reconcile());

        mesh.removePeers(peers.stream().map(Peer::name).toList());
        assertEquals(0, routes(1, "proto", "87").size());
        assertEquals(0, nexthops(1, "protocol", "87").size());
    }

    @Test
    void aRefusalInTheMiddleOfABigBatchRollsBackTheWholeCall() {
        LinuxTunnelMesh mesh = meshes.open(1, MeshMode.SHARED);
        mesh.addPeer(Peer.of("node4", "10.245.1.5", "192.168.40.0/24"));
        List<Peer> peers = SeedPeers.of(PEERS, SUBNETS_PER_PEER);
        // a foreign route on the subnet of the 200th peer: the kernel refuses that one request (through a gateway: a
        // device route would be an on-link subnet, refused before the kernel is asked)
        String blocked = peers.get(200).subnets().get(3).toString();
        ip(1, "route", "add", blocked, "via", "10.245.1.9", "dev", "eth0", "proto", "static");
        try {
            Object before = snapshot(1);
            ConflictException e = assertThrows(ConflictException.class, () -> mesh.addPeers(peers));
            assertTrue(e.getMessage().contains(blocked), e.getMessage());
            assertEquals(before, snapshot(1), "nothing of the 240 peers is left");
            assertEquals(1, mesh.peers().size());
        } finally {
            ip(1, "route", "del", blocked);
        }
    }

    @Test
    void oneDumpReadsTheCountersOfManyPointToPointDevices() {
        LinuxTunnelMesh mesh = meshes.open(1, MeshMode.POINT_TO_POINT);
        List<Peer> peers = SeedPeers.of(100, 1);

        mesh.addPeers(peers);

        List<TunnelDevice> devices = mesh.devices();
        assertEquals(100, devices.size());
        assertEquals("tm-p0", devices.get(0).name());
        assertEquals("10.245.1.10", devices.get(0).remote().toString());
        assertTrue(devices.stream().allMatch(TunnelDevice::up));
        assertEquals(100, routes(1, "proto", "87").size());
    }
}
