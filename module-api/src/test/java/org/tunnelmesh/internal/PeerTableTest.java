package org.tunnelmesh.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.tunnelmesh.ConflictException;
import org.tunnelmesh.InvalidInputException;
import org.tunnelmesh.Ipv4Address;
import org.tunnelmesh.Ipv4Prefix;
import org.tunnelmesh.MeshConfig;
import org.tunnelmesh.Peer;

class PeerTableTest {
    /** This node: underlay 10.245.1.2, tunnel address 192.168.41.0 (as node1 in the lab). */
    private static final MeshConfig CONFIG = MeshConfig.builder()
            .underlay("10.245.1.2")
            .tunnelAddress("192.168.41.0")
            .build();

    private PeerTable table;

    @BeforeEach
    void setUp() {
        table = new PeerTable(CONFIG);
    }

    private void add(Peer... peers) {
        table.checkAdd(List.of(peers));
        table.addAll(List.of(peers));
    }

    private static <T extends Throwable> T fails(Class<T> type, Executable executable, String... mentions) {
        T e = assertThrows(type, executable);
        for (String mention : mentions) {
            assertTrue(e.getMessage().contains(mention), () -> "'" + e.getMessage() + "' should mention " + mention);
        }
        return e;
    }

    @Test
    void aCheckedBatchIsRefusedForWhatClashesWithinIt() {
        fails(
                ConflictException.class,
                () -> PeerTable.checkBatch(
                        CONFIG,
                        List.of(
                                Peer.of("node2", "10.245.1.3", "192.168.42.0/24"),
                                Peer.of("node3", "10.245.1.4", "192.168.42.128/25"))),
                "'node3'",
                "192.168.42.128/25",
                "'node2'");
    }

    @Test
    void aCheckedBatchIsCheckedAgainstWhatTheTableHolds() {
        CheckedPeers checked = PeerTable.checkBatch(CONFIG, List.of(Peer.of("node3", "10.245.1.4", "192.168.42.0/24")));
        add(Peer.of("node2", "10.245.1.3", "192.168.42.0/25"));
        fails(ConflictException.class, () -> table.checkAdd(checked), "192.168.42.0/24", "'node2'");
    }

    @Test
    void aCheckedBatchIsCheckedAgainstAnotherConfigurationsRules() {
        CheckedPeers checked = PeerTable.checkBatch(CONFIG, List.of(Peer.of("node3", "10.245.1.4", "192.168.42.0/24")));
        PeerTable other =
                new PeerTable(CONFIG.toBuilder().underlay("10.245.1.4").build());
        fails(InvalidInputException.class, () -> other.checkAdd(checked), "this node's own underlay address");
        assertTrue(checked.checkedFor(CONFIG));
        table.checkAdd(checked);
        table.addAll(checked);
        assertEquals(List.of("node3"), table.peers().stream().map(Peer::name).toList());
    }

    @Test
    void aCheckedBatchCannotBeChanged() {
        CheckedPeers checked = PeerTable.checkBatch(CONFIG, List.of(Peer.of("node3", "10.245.1.4", "192.168.42.0/24")));
        assertThrows(
                UnsupportedOperationException.class,
                () -> checked.add(Peer.of("node4", "10.245.1.5", "192.168.42.0/24")));
        assertThrows(UnsupportedOperationException.class, () -> checked.set(0, checked.get(0)));
    }

    @Test
    void addsValidPeersInOrder() {
        Peer node2 = Peer.of("node2", "10.245.1.3", "192.168.42.0/24");
        Peer node3 = Peer.of("node3", "10.245.1.4", "192.168.43.0/24,10.9.0.0/16");
        add(node2, node3);
        assertEquals(2, table.size());
        assertEquals(List.of(node2, node3), table.peers());
        assertEquals(node3, table.get("node3"));
        assertNull(table.get("node4"));
    }

    @Test
    void rejectsEmptyAdd() {
        assertThrows(InvalidInputException.class, () -> table.checkAdd(List.of()));
    }

    @Test
    void rejectsNullPeer() {
        assertThrows(InvalidInputException.class, () -> table.checkAdd(Collections.singletonList(null)));
    }

    @Test
    void rejectsDuplicateName() {
        add(Peer.of("node2", "10.245.1.3", "192.168.42.0/24"));
        fails(
                ConflictException.class,
                () -> table.checkAdd(List.of(Peer.of("node2", "10.245.1.4", "192.168.43.0/24"))),
                "'node2'",
                "already exists");
    }

    @Test
    void rejectsDuplicateNameWithinOneBatch() {
        fails(
                ConflictException.class,
                () -> table.checkAdd(List.of(
                        Peer.of("node2", "10.245.1.3", "192.168.42.0/24"),
                        Peer.of("node2", "10.245.1.4", "192.168.43.0/24"))),
                "'node2'");
    }

    @Test
    void rejectsOwnUnderlayAsPeer() {
        fails(
                InvalidInputException.class,
                () -> table.checkAdd(List.of(Peer.of("node2", "10.245.1.2", "192.168.42.0/24"))),
                "'node2'",
                "10.245.1.2",
                "own underlay");
    }

    @Test
    void rejectsDuplicateUnderlayNamingBothPeers() {
        add(Peer.of("node2", "10.245.1.3", "192.168.42.0/24"));
        fails(
                ConflictException.class,
                () -> table.checkAdd(List.of(Peer.of("node3", "10.245.1.3", "192.168.43.0/24"))),
                "'node3'",
                "'node2'",
                "10.245.1.3");
    }

    @Test
    void rejectsDuplicateUnderlayWithinOneBatch() {
        fails(
                ConflictException.class,
                () -> table.checkAdd(List.of(
                        Peer.of("node2", "10.245.1.3", "192.168.42.0/24"),
                        Peer.of("node3", "10.245.1.3", "192.168.43.0/24"))),
                "'node3'",
                "'node2'");
    }

    @Test
    void rejectsSubnetContainingOurTunnelAddress() {
        fails(
                InvalidInputException.class,
                () -> table.checkAdd(List.of(Peer.of("node2", "10.245.1.3", "192.168.40.0/22"))),
                "'node2'",
                "192.168.40.0/22",
                "tunnel address 192.168.41.0");
        fails(
                InvalidInputException.class,
                () -> table.checkAdd(List.of(Peer.of("node2", "10.245.1.3", "192.168.41.0/32"))),
                "192.168.41.0/32");
    }

    @Test
    void rejectsSubnetContainingOurUnderlay() {
        fails(
                InvalidInputException.class,
                () -> table.checkAdd(List.of(Peer.of("node2", "172.16.0.1", "10.245.0.0/16"))),
                "'node2'",
                "10.245.0.0/16",
                "underlay address 10.245.1.2");
        fails(
                InvalidInputException.class,
                () -> table.checkAdd(List.of(Peer.of("node2", "172.16.0.1", "0.0.0.0/0"))),
                "0.0.0.0/0");
    }

    @Test
    void rejectsSubnetContainingThePeersOwnUnderlay() {
        fails(
                InvalidInputException.class,
                () -> table.checkAdd(List.of(Peer.of("node2", "10.9.0.1", "10.9.0.0/16"))),
                "'node2'",
                "10.9.0.0/16",
                "own underlay address 10.9.0.1");
    }

    @Test
    void rejectsSubnetContainingAnotherPeersUnderlay() {
        add(Peer.of("node2", "10.245.1.3", "192.168.42.0/24"));
        fails(
                InvalidInputException.class,
                () -> table.checkAdd(List.of(Peer.of("node3", "10.245.1.4", "10.245.1.3/32"))),
                "'node3'",
                "10.245.1.3/32",
                "'node2'");
        fails(
                InvalidInputException.class,
                () -> table.checkAdd(List.of(Peer.of("node3", "172.16.0.1", "10.245.1.0/25"))),
                "'node3'");
    }

    @Test
    void rejectsSubnetContainingTheUnderlayOfAnEarlierPeerOfTheSameBatch() {
        fails(
                InvalidInputException.class,
                () -> table.checkAdd(List.of(
                        Peer.of("node2", "172.16.0.1", "192.168.42.0/24"),
                        Peer.of("node3", "172.17.0.1", "172.16.0.0/16"))),
                "'node3'",
                "'node2'");
    }

    /**
     * The same clash as {@link #rejectsSubnetContainingAnotherPeersUnderlay}, seen from the other side: the peer
     * added second has its underlay inside a subnet already routed to another peer, so its tunnel would be
     * routed into the first peer's tunnel.
     */
    @Test
    void rejectsUnderlayInsideAnotherPeersSubnet() {
        add(Peer.of("node2", "10.245.1.3", "10.50.0.0/16"));
        fails(
                InvalidInputException.class,
                () -> table.checkAdd(List.of(Peer.of("node3", "10.50.0.7", "192.168.43.0/24"))),
                "'node3'",
                "'node2'");
        fails(
                InvalidInputException.class,
                () -> table.checkAdd(List.of(
                        Peer.of("node4", "10.245.1.4", "10.60.0.0/16"),
                        Peer.of("node5", "10.60.0.7", "192.168.44.0/24"))),
                "'node5'",
                "'node4'");
    }

    @Test
    void rejectsSmallerSubnetInsideAnotherPeersBiggerOne() {
        add(Peer.of("node2", "10.245.1.3", "10.1.0.0/16"));
        fails(
                ConflictException.class,
                () -> table.checkAdd(List.of(Peer.of("node3", "10.245.1.4", "10.1.2.0/24"))),
                "'node3'",
                "10.1.2.0/24",
                "10.1.0.0/16",
                "'node2'");
    }

    @Test
    void rejectsBiggerSubnetContainingAnotherPeersSmallerOne() {
        add(Peer.of("node2", "10.245.1.3", "10.1.2.0/24"));
        fails(
                ConflictException.class,
                () -> table.checkAdd(List.of(Peer.of("node3", "10.245.1.4", "10.1.0.0/16"))),
                "'node3'",
                "10.1.0.0/16",
                "10.1.2.0/24",
                "'node2'");
    }

    @Test
    void rejectsBiggerSubnetWhoseStartIsNotAnyStoredStart() {
        // stored subnets on both sides, the clash is with the one after the new subnet's start
        add(Peer.of("node2", "10.245.1.3", "10.0.0.0/24,10.1.200.0/24,10.3.0.0/24"));
        fails(
                ConflictException.class,
                () -> table.checkAdd(List.of(Peer.of("node3", "10.245.1.4", "10.1.0.0/16"))),
                "10.1.200.0/24");
    }

    @Test
    void rejectsIdenticalSubnet() {
        add(Peer.of("node2", "10.245.1.3", "192.168.42.0/24"));
        fails(
                ConflictException.class,
                () -> table.checkAdd(List.of(Peer.of("node3", "10.245.1.4", "192.168.42.0/24"))),
                "192.168.42.0/24",
                "'node2'");
    }

    @Test
    void acceptsAdjacentSubnetsOfDifferentPeers() {
        add(Peer.of("node2", "10.245.1.3", "192.168.42.0/25"));
        add(Peer.of("node3", "10.245.1.4", "192.168.42.128/25"));
        add(Peer.of("node4", "10.245.1.5", "192.168.43.0/24"));
        add(Peer.of("node5", "10.245.1.6", "192.168.40.0/24"));
        assertEquals(4, table.size());
    }

    @Test
    void rejectsOverlapWithinOneBatchInBothOrders() {
        fails(
                ConflictException.class,
                () -> table.checkAdd(List.of(
                        Peer.of("node2", "10.245.1.3", "10.1.0.0/16"), Peer.of("node3", "10.245.1.4", "10.1.2.0/24"))),
                "'node3'",
                "'node2'");
        fails(
                ConflictException.class,
                () -> table.checkAdd(List.of(
                        Peer.of("node2", "10.245.1.3", "10.1.2.0/24"), Peer.of("node3", "10.245.1.4", "10.1.0.0/16"))),
                "'node3'",
                "'node2'");
        assertEquals(0, table.size());
    }

    @Test
    void failedCheckAddChangesNothing() {
        Peer node2 = Peer.of("node2", "10.245.1.3", "192.168.42.0/24");
        add(node2);
        // a batch whose last peer is bad: the good ones before it must not stick
        List<Peer> batch = List.of(
                Peer.of("node3", "10.245.1.4", "192.168.43.0/24"),
                Peer.of("node4", "10.245.1.5", "192.168.44.0/24"),
                Peer.of("node5", "10.245.1.6", "192.168.42.128/25"));
        assertThrows(ConflictException.class, () -> table.checkAdd(batch));
        assertEquals(1, table.size());
        assertEquals(List.of(node2), table.peers());
        assertNull(table.get("node3"));

        // a single bad peer neither
        assertThrows(
                ConflictException.class,
                () -> table.checkAdd(List.of(Peer.of("node3", "10.245.1.3", "192.168.43.0/24"))));
        assertEquals(List.of(node2), table.peers());

        // and the good peers of the failed batch can still be added afterwards, each once
        Peer node3 = batch.get(0);
        Peer node4 = batch.get(1);
        add(node3, node4);
        assertEquals(List.of(node2, node3, node4), table.peers());
        assertThrows(
                ConflictException.class,
                () -> table.checkAdd(List.of(Peer.of("node6", "10.245.1.7", "192.168.43.0/24"))));
    }

    @Test
    void removedPeersFreeTheirNameUnderlayAndSubnets() {
        Peer node2 = Peer.of("node2", "10.245.1.3", "192.168.42.0/24,10.9.0.0/16");
        add(node2, Peer.of("node3", "10.245.1.4", "192.168.43.0/24"));
        table.removeAll(table.checkRemove(List.of("node2")));
        assertEquals(1, table.size());
        assertNull(table.get("node2"));
        Peer again = Peer.of("node2", "10.245.1.3", "10.9.0.0/16,192.168.42.0/24");
        add(again);
        assertEquals(again, table.get("node2"));
    }

    @Test
    void clearEmptiesTheTable() {
        add(Peer.of("node2", "10.245.1.3", "192.168.42.0/24"));
        table.clear();
        assertEquals(0, table.size());
        add(Peer.of("node2", "10.245.1.3", "192.168.42.0/24"));
        assertEquals(1, table.size());
    }

    @Test
    void checkRemoveReturnsThePeersInTheGivenOrder() {
        Peer node2 = Peer.of("node2", "10.245.1.3", "192.168.42.0/24");
        Peer node3 = Peer.of("node3", "10.245.1.4", "192.168.43.0/24");
        add(node2, node3);
        assertEquals(List.of(node3, node2), table.checkRemove(List.of("node3", "node2")));
        assertEquals(2, table.size());
    }

    @Test
    void checkRemoveRejectsUnknownName() {
        add(Peer.of("node2", "10.245.1.3", "192.168.42.0/24"));
        fails(InvalidInputException.class, () -> table.checkRemove(List.of("node2", "node9")), "'node9'");
        fails(InvalidInputException.class, () -> table.checkRemove(Collections.singletonList(null)), "no peer named");
        assertEquals(1, table.size());
    }

    @Test
    void checkRemoveRejectsNameGivenTwice() {
        add(Peer.of("node2", "10.245.1.3", "192.168.42.0/24"));
        fails(InvalidInputException.class, () -> table.checkRemove(List.of("node2", "node2")), "'node2'", "twice");
        assertEquals(1, table.size());
    }

    @Test
    void checkRemoveRejectsEmpty() {
        assertThrows(InvalidInputException.class, () -> table.checkRemove(List.of()));
    }

    @Test
    void rejectsMoreThanMaxPeersInOneBatch() {
        Peer peer = Peer.of("node2", "10.245.1.3", "192.168.42.0/24");
        fails(
                InvalidInputException.class,
                () -> table.checkAdd(Collections.nCopies(PeerTable.MAX_PEERS + 1, peer)),
                String.valueOf(PeerTable.MAX_PEERS));
        assertEquals(0, table.size());
    }

    @Test
    void rejectsGrowingBeyondMaxPeers() {
        add(Peer.of("node2", "10.245.1.3", "192.168.42.0/24"));
        Peer peer = Peer.of("node3", "10.245.1.4", "192.168.43.0/24");
        fails(
                InvalidInputException.class,
                () -> table.checkAdd(Collections.nCopies(PeerTable.MAX_PEERS, peer)),
                "1 present",
                PeerTable.MAX_PEERS + " more");
        assertEquals(1, table.size());
    }

    @Test
    void twentyThousandPeersValidateInOneCall() {
        List<Peer> peers = new ArrayList<>();
        for (int i = 0; i < 20_000; i++) {
            Ipv4Address underlay =
                    new Ipv4Address(Ipv4Address.parse("172.16.0.1").bits() + i);
            Ipv4Prefix subnet =
                    new Ipv4Prefix(new Ipv4Address(Ipv4Address.parse("10.0.0.0").bits() + (i << 8)), 24);
            peers.add(new Peer("peer-" + i, underlay, List.of(subnet)));
        }
        table.checkAdd(peers);
        table.addAll(peers);
        assertEquals(20_000, table.size());
        assertEquals(peers, table.peers());
        // and the table still finds clashes among them
        assertThrows(
                ConflictException.class, () -> table.checkAdd(List.of(Peer.of("late", "172.31.0.1", "10.40.0.0/16"))));
        assertThrows(
                ConflictException.class,
                () -> table.checkAdd(List.of(Peer.of("late", "172.16.78.32", "10.200.0.0/16"))));
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "0.0.0.0/8",
                "0.1.0.0/16",
                "127.0.0.0/8",
                "127.0.0.1/32",
                "169.254.0.0/16",
                "169.254.7.0/24",
                "169.0.0.0/8",
                "224.0.0.0/4",
                "239.1.2.0/24",
                "240.0.0.0/4",
                "255.255.255.255/32",
                "224.0.0.0/8"
            })
    void rejectsSubnetsInReservedRanges(String subnet) {
        fails(
                InvalidInputException.class,
                () -> table.checkAdd(List.of(Peer.of("node2", "10.245.1.3", subnet))),
                "'node2'",
                subnet,
                "never routed through a tunnel");
    }

    @ParameterizedTest
    @ValueSource(strings = {"0.0.0.0/0", "128.0.0.0/1", "10.0.0.0/7", "192.0.0.0/2"})
    void rejectsWideSubnetsUnlessTheConfigOptsIn(String subnet) {
        fails(
                InvalidInputException.class,
                () -> table.checkAdd(List.of(Peer.of("node2", "10.245.1.3", subnet))),
                "'node2'",
                subnet,
                "wider than /8",
                "allowWideSubnets");
    }

    @Test
    void aDefaultRouteThroughAGatewayPeerWhenOptedIn() {
        PeerTable wide = new PeerTable(CONFIG.toBuilder().allowWideSubnets(true).build());
        Peer gateway = Peer.of("gw", "10.245.1.3", "0.0.0.0/0");
        Peer node3 = Peer.of("node3", "10.245.1.4", "192.168.43.0/24");
        wide.checkAdd(List.of(gateway, node3)); // narrower subnets of other peers win by longest prefix
        wide.addAll(List.of(gateway, node3));
        fails(
                ConflictException.class,
                () -> wide.checkAdd(List.of(Peer.of("gw2", "10.245.1.5", "128.0.0.0/1"))),
                "'gw2'",
                "128.0.0.0/1",
                "0.0.0.0/0",
                "'gw'");
        // multicast stays refused even when wide prefixes are allowed
        fails(
                InvalidInputException.class,
                () -> wide.checkAdd(List.of(Peer.of("gw2", "10.245.1.5", "224.0.0.0/5"))),
                "224.0.0.0/5",
                "multicast");
        wide.removeAll(wide.checkRemove(List.of("gw")));
        wide.checkAdd(List.of(Peer.of("gw2", "10.245.1.5", "128.0.0.0/1")));
        fails(
                ConflictException.class,
                () -> wide.checkAdd(
                        List.of(Peer.of("a", "10.245.1.6", "64.0.0.0/2"), Peer.of("b", "10.245.1.7", "0.0.0.0/1"))),
                "'b'",
                "'a'");
    }

    @Test
    void rejectsPeerUnderlayEqualToOurTunnelAddress() {
        fails(
                InvalidInputException.class,
                () -> table.checkAdd(List.of(Peer.of("node2", "192.168.41.0", "192.168.42.0/24"))),
                "'node2'",
                "192.168.41.0",
                "tunnel address");
    }

    @Test
    void aBigBatchIsCheckedAgainstItselfAndTheTable() {
        add(Peer.of("node2", "10.245.1.3", "10.1.0.0/16"));
        List<Peer> batch = new ArrayList<>();
        for (int i = 0; i < 5000; i++) {
            batch.add(Peer.of(
                    "p" + i,
                    "172.16." + (i / 250) + "." + (1 + i % 250),
                    "10.2." + (i / 256) + "." + (i % 256) + "/32"));
        }
        table.checkAdd(batch);
        List<Peer> clash = new ArrayList<>(batch);
        clash.add(Peer.of("late", "172.31.0.1", "10.2.3.0/24"));
        fails(ConflictException.class, () -> table.checkAdd(clash), "'late'", "10.2.3.0/24", "'p");
        List<Peer> withTable = new ArrayList<>(batch);
        withTable.add(Peer.of("late", "172.31.0.1", "10.1.3.0/24"));
        fails(ConflictException.class, () -> table.checkAdd(withTable), "'late'", "10.1.0.0/16", "'node2'");
        List<Peer> underlayInside = new ArrayList<>(batch);
        underlayInside.add(Peer.of("late", "172.31.0.1", "172.16.3.0/24"));
        fails(InvalidInputException.class, () -> table.checkAdd(underlayInside), "'late'", "172.16.3.0/24", "'p");
        assertEquals(1, table.size());
    }
}
