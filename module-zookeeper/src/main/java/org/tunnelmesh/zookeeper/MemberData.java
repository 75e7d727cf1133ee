package org.tunnelmesh.zookeeper;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tunnelmesh.Encapsulation;
import org.tunnelmesh.InvalidInputException;
import org.tunnelmesh.Ipv4Address;
import org.tunnelmesh.Ipv4Prefix;
import org.tunnelmesh.Peer;
import org.tunnelmesh.internal.Json;

/**
 * The data of a member znode: UTF-8 JSON {@code {"underlay":"10.245.1.3","subnets":["192.168.42.0/24"]}}
 * (CONTRACT.md). The member's name is the znode's name. A member whose tunnel address is not the first address of its
 * first subnet announces it ({@code "tunnelAddress":"192.168.42.1"}), so its peers probe the right address; data
 * without it reads as before. A member that carries IPIP inside UDP announces how ({@code "encapsulation":"FOU:5555"},
 * as the Mesh MBean shows it); data without it reads as plain IPIP ({@code NONE}), and a node skips members whose
 * encapsulation is not its own (their packets and its own would not be understood). Other keys are ignored, so a later
 * version may add some; everything else must be exactly right or the member is refused.
 */
final class MemberData {
    /**
     * The most bytes a member's data may have: a member is an address and a few subnets (about 20
     * bytes each, so some 45 subnets fit). Bigger members are skipped unread, so that the reads of a
     * whole cluster stay far below the ZooKeeper client's packet limit (issue 21).
     */
    static final int MAX_BYTES = 1024;

    private MemberData() {}

    /** @throws InvalidInputException when the data would be over {@link #MAX_BYTES} */
    static byte[] encode(Ipv4Address underlay, List<Ipv4Prefix> subnets) {
        return encode(underlay, subnets, null);
    }

    /**
     * With this node's tunnel address: announced only when it lies in the subnets (a peer could not route a probe to
     * it otherwise) and is not the default a peer assumes ({@link Peer#probeAddress()}), so a node on the usual plan
     * writes the same bytes as before.
     */
    static byte[] encode(Ipv4Address underlay, List<Ipv4Prefix> subnets, Ipv4Address tunnelAddress) {
        return encode(underlay, subnets, tunnelAddress, Encapsulation.NONE, false);
    }

    /**
     * With this node's encapsulation (announced unless it is NONE) and whether it encrypts ({@code "encrypted":true};
     * never a key: the secret stays out of ZooKeeper). A plain node that does not encrypt writes the same bytes as
     * before.
     */
    static byte[] encode(
            Ipv4Address underlay,
            List<Ipv4Prefix> subnets,
            Ipv4Address tunnelAddress,
            Encapsulation encapsulation,
            boolean encrypted) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("underlay", underlay.toString());
        json.put("subnets", subnets.stream().map(Ipv4Prefix::toString).toList());
        if (tunnelAddress != null
                && !subnets.isEmpty()
                && !tunnelAddress.equals(subnets.get(0).network())
                && subnets.stream().anyMatch(s -> s.contains(tunnelAddress))) {
            json.put("tunnelAddress", tunnelAddress.toString());
        }
        if (encapsulation.encapsulates()) {
            json.put("encapsulation", encapsulation.toString());
        }
        if (encrypted) {
            json.put("encrypted", true);
        }
        byte[] data = Json.write(json).getBytes(StandardCharsets.UTF_8);
        if (data.length > MAX_BYTES) {
            throw new InvalidInputException("this node's member data (" + subnets.size() + " subnets) is " + data.length
                    + " bytes, over the limit of " + MAX_BYTES + ": announce fewer, wider subnets");
        }
        return data;
    }

    /** Why a member of {@code length} bytes is not read. */
    static String tooBig(String name, int length) {
        return "member '" + name + "': data of " + length + " bytes is over the limit of " + MAX_BYTES + " bytes";
    }

    /**
     * The member as a peer, whatever its encapsulation.
     *
     * @throws InvalidInputException saying what is wrong with the data
     */
    static Peer parse(String name, byte[] data) {
        return parse(name, data, null, false);
    }

    /**
     * The member as a peer of a node with encapsulation {@code ours} that does not encrypt.
     *
     * @param ours this node's encapsulation; null to accept any
     * @throws InvalidInputException saying what is wrong with the data, or that the member's encapsulation is not
     *     {@code ours}
     */
    static Peer parse(String name, byte[] data, Encapsulation ours) {
        return parse(name, data, ours, false);
    }

    /**
     * The member as a peer of a node with encapsulation {@code ours} that encrypts or not: a member whose settings
     * differ is refused (the two could not exchange a packet: one's inbound policy requires ESP, the other sends IPIP
     * in the clear; or one sends UDP the other's kernel does not unwrap).
     *
     * @param ours this node's encapsulation; null to accept any
     * @param encrypting whether this node encrypts (--encryption-key-file)
     * @throws InvalidInputException saying what is wrong with the data, or that the member's encapsulation or
     *     encryption is not this node's
     */
    static Peer parse(String name, byte[] data, Encapsulation ours, boolean encrypting) {
        if (data == null || data.length == 0) {
            throw new InvalidInputException("member '" + name + "' has no data");
        }
        if (data.length > MAX_BYTES) {
            throw new InvalidInputException(tooBig(name, data.length));
        }
        String text;
        try {
            text = StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(data))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new InvalidInputException("member '" + name + "': data is not UTF-8");
        }
        Map<String, Object> json;
        try {
            json = Json.parseObject(text);
        } catch (InvalidInputException e) {
            throw new InvalidInputException("member '" + name + "': " + e.getMessage());
        }
        if (!(json.get("underlay") instanceof String underlay)) {
            throw new InvalidInputException("member '" + name + "': \"underlay\" is missing or not a string");
        }
        List<Ipv4Prefix> prefixes = Json.subnets(json, "member '" + name + "'");
        Ipv4Address tunnel = Json.tunnelAddress(json, "member '" + name + "'");
        Encapsulation theirs = encapsulation(name, json);
        if (ours != null && !theirs.equals(ours)) {
            throw new InvalidInputException("member '" + name + "' uses encapsulation " + theirs + ", this node " + ours
                    + ": neither would understand the other's packets; give every node the same --encap");
        }
        Ipv4Address address;
        try {
            address = Ipv4Address.parse(underlay);
        } catch (InvalidInputException e) {
            throw new InvalidInputException("member '" + name + "': " + e.getMessage());
        }
        Object encrypted = json.getOrDefault("encrypted", false);
        if (!(encrypted instanceof Boolean memberEncrypts)) {
            throw new InvalidInputException("member '" + name + "': \"encrypted\" is not true or false");
        }
        if (memberEncrypts != encrypting) {
            throw new InvalidInputException(
                    "member '" + name + "' " + (memberEncrypts ? "encrypts" : "does not encrypt")
                            + " and this node " + (encrypting ? "does" : "does not")
                            + ": give every node of the cluster the same --encryption-key-file, or none");
        }
        return new Peer(name, address, prefixes, tunnel);
    }

    /** The member's {@code "encapsulation"}: NONE when absent. */
    private static Encapsulation encapsulation(String name, Map<String, Object> json) {
        Object value = json.get("encapsulation");
        if (value == null && !json.containsKey("encapsulation")) {
            return Encapsulation.NONE;
        }
        if (!(value instanceof String text)) {
            throw new InvalidInputException("member '" + name + "': \"encapsulation\" is not a string");
        }
        try {
            return Encapsulation.parse(text);
        } catch (InvalidInputException e) {
            throw new InvalidInputException("member '" + name + "': " + e.getMessage());
        }
    }
}
