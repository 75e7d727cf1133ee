package org.tunnelmesh.testing;

import java.util.ArrayList;
import java.util.List;
import org.tunnelmesh.Ipv4Address;
import org.tunnelmesh.Ipv4Prefix;
import org.tunnelmesh.Peer;

/**
 * Many peers inside the seed's address plan, for bulk tests and benchmarks in the lab: underlays
 * 10.245.1.10-249 and one /32 per subnet counted up from 192.168.42.0 (so 192.168.41.0/24, the
 * tunnel address of node1, stays free).
 */
public final class SeedPeers {
    /** Distinct underlays the plan holds. */
    public static final int MAX = 240;
    /** /32 subnets the plan holds (192.168.42.0 - 192.168.49.255). */
    public static final int MAX_SUBNETS = 8 * 256;

    private SeedPeers() {}

    /**
     * Peers {@code p0..p(count-1)}, each with {@code subnetsEach} /32 subnets: {@code p0} has underlay 10.245.1.10 and
     * the first subnets from 192.168.42.0/32 on, {@code p1} 10.245.1.11 and the next, and so on.
     *
     * @param count how many peers, 0..{@value #MAX}
     * @param subnetsEach subnets per peer, at least 1; {@code count * subnetsEach} at most {@value #MAX_SUBNETS}
     * @return the peers, in order
     * @throws IllegalArgumentException when they do not fit the plan
     */
    public static List<Peer> of(int count, int subnetsEach) {
        if (count > MAX || count * subnetsEach > MAX_SUBNETS) {
            throw new IllegalArgumentException(
                    count + " peers with " + subnetsEach + " subnets each do not fit the seed's addresses (at most "
                            + MAX + " peers, " + MAX_SUBNETS + " subnets)");
        }
        List<Peer> peers = new ArrayList<>(count);
        int next = Ipv4Address.parse("192.168.42.0").bits();
        for (int i = 0; i < count; i++) {
            List<Ipv4Prefix> subnets = new ArrayList<>(subnetsEach);
            for (int s = 0; s < subnetsEach; s++) {
                subnets.add(new Ipv4Prefix(new Ipv4Address(next++), 32));
            }
            peers.add(new Peer("p" + i, Ipv4Address.parse("10.245.1." + (10 + i)), subnets));
        }
        return peers;
    }
}
