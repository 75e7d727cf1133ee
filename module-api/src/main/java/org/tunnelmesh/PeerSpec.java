package org.tunnelmesh;

import java.util.ArrayList;
import java.util.List;

/**
 * The one-string form of a peer an operator types: {@code NAME@UNDERLAY=CIDR[,CIDR...][,tunnel=IP]}, e.g.
 * {@code node2@10.245.1.3=192.168.42.0/24} or {@code node2@10.245.1.3=192.168.42.0/24,tunnel=192.168.42.1} (the
 * address the health probes go to, {@link Peer#tunnelAddress()}; without it, the first subnet's first address). Used
 * by the bulk {@code addPeers} operation and by the node's {@code --peer} option.
 */
public final class PeerSpec {

    /** The form, as error messages show it. */
    public static final String FORMAT = "NAME@UNDERLAY=CIDR[,CIDR...][,tunnel=IP]";

    private static final String TUNNEL = ",tunnel=";

    private PeerSpec() {}

    /**
     * Parses one peer; the parts mean what they mean for {@link Peer#of}.
     *
     * @param spec e.g. {@code node2@10.245.1.3=192.168.42.0/24,192.168.43.0/24}; blanks around it are ignored
     * @return the peer
     * @throws InvalidInputException naming the bad text, when it is missing, not of the form {@value #FORMAT}, or a part
     *     is bad
     */
    public static Peer parse(String spec) {
        if (spec == null || spec.isBlank()) {
            throw new InvalidInputException("peer is missing: expected " + FORMAT);
        }
        String text = spec.strip();
        int at = text.indexOf('@');
        int equals = text.indexOf('=', at + 1);
        if (at <= 0 || equals < 0) {
            throw new InvalidInputException("peer '" + spec + "' is not " + FORMAT);
        }
        String subnets = text.substring(equals + 1);
        int tunnel = subnets.indexOf(TUNNEL);
        if (tunnel < 0) {
            return Peer.of(text.substring(0, at), text.substring(at + 1, equals), subnets);
        }
        String name = text.substring(0, at);
        Peer peer = Peer.of(name, text.substring(at + 1, equals), subnets.substring(0, tunnel));
        String address = subnets.substring(tunnel + TUNNEL.length());
        try {
            return peer.withTunnelAddress(Ipv4Address.parse(address));
        } catch (InvalidInputException e) {
            throw new InvalidInputException("peer '" + name + "': tunnel " + e.getMessage());
        }
    }

    /**
     * The spec of {@code peer}, as {@link #parse} reads it back.
     *
     * @param peer the peer
     * @return its spec, {@value #FORMAT}
     */
    public static String format(Peer peer) {
        StringBuilder s = new StringBuilder(peer.name())
                .append('@')
                .append(peer.underlay())
                .append('=');
        for (int i = 0; i < peer.subnets().size(); i++) {
            s.append(i == 0 ? "" : ",").append(peer.subnets().get(i));
        }
        if (peer.tunnelAddress() != null) {
            s.append(TUNNEL).append(peer.tunnelAddress());
        }
        return s.toString();
    }

    /**
     * Parses entries separated by ';' or whitespace. Blanks around the commas of a subnet list
     * are allowed, so {@code a@10.0.0.2=10.1.0.0/24, 10.2.0.0/24} is one entry.
     *
     * @param specs entries of the form {@value #FORMAT}
     * @return the peers, in the order given (whether they fit together is checked when they are added)
     * @throws InvalidInputException naming the first bad entry, or when there is none
     */
    public static List<Peer> parseList(String specs) {
        List<Peer> peers = new ArrayList<>();
        if (specs != null) {
            for (String spec : specs.replaceAll("\\s*,\\s*", ",").split("[;\\s]+")) {
                if (!spec.isEmpty()) {
                    peers.add(parse(spec));
                }
            }
        }
        if (peers.isEmpty()) {
            throw new InvalidInputException(
                    "no peers given: expected " + FORMAT + " entries separated by ';' or spaces");
        }
        return peers;
    }
}
