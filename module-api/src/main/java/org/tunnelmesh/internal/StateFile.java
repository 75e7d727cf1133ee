package org.tunnelmesh.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.tunnelmesh.InvalidInputException;
import org.tunnelmesh.Ipv4Address;
import org.tunnelmesh.Ipv4Prefix;
import org.tunnelmesh.Peer;
import org.tunnelmesh.StateFileException;

/**
 * The desired peer set of one mesh, kept in a file so that it survives a restart: versioned JSON,
 * one peer per line,
 * <pre>
 * {"format":"tunnelmesh-state","version":1,"mesh":"node1","peers":[
 * {"name":"node2","underlay":"10.245.1.3","subnets":["192.168.42.0/24"]}
 * ]}
 * </pre>
 * A peer with a tunnel address of its own ({@link Peer#tunnelAddress()}) carries {@code "tunnelAddress":"..."} too;
 * files without it read as before.
 * Written whole and atomically (a temporary file in the same directory, fsync, rename over the
 * old one, fsync of the directory), so after a crash or power loss the file is either the old
 * set or the new one, never a mix. Read strictly: anything that is not exactly this format is
 * refused with the file's name and what is wrong, never guessed at; and only once
 * {@link TrustedFile} has checked that nobody but root and the node's user can have written it.
 */
public final class StateFile {
    public static final String FORMAT = "tunnelmesh-state";
    public static final int VERSION = 1;
    /** Larger than 100,000 peers with 8 subnets each; anything bigger is not ours. */
    private static final long MAX_BYTES = 64L << 20;

    private static final Set<String> TOP_KEYS = Set.of("format", "version", "mesh", "peers");
    private static final Set<String> PEER_KEYS = Set.of("name", "underlay", "subnets", "tunnelAddress");

    private final Path path;

    public StateFile(Path path) {
        this.path = path.toAbsolutePath().normalize();
    }

    public Path path() {
        return path;
    }

    public boolean exists() {
        return Files.exists(path);
    }

    /**
     * The peers saved for mesh {@code meshName}; empty when the file does not exist yet.
     *
     * @throws StateFileException naming the file and what is wrong with it
     */
    public List<Peer> read(String meshName) {
        byte[] bytes;
        try {
            bytes = TrustedFile.readIfPresent(path, "state file", MAX_BYTES, false);
        } catch (InvalidInputException e) {
            throw new StateFileException(e.getMessage(), e);
        }
        if (bytes == null) {
            return List.of();
        }
        try {
            return decode(bytes, meshName);
        } catch (InvalidInputException e) {
            throw new StateFileException(
                    "state file " + path + " is damaged: " + e.getMessage()
                            + "; fix or remove it (the mesh did not start and changed nothing)",
                    e);
        }
    }

    /**
     * Replaces the file with {@code peers}, atomically.
     *
     * @throws StateFileException when it cannot be written; the old file is then still in place
     */
    public void write(String meshName, List<Peer> peers) {
        Path dir = path.getParent();
        Path temp = dir.resolve("." + path.getFileName() + ".tmp");
        try {
            Files.deleteIfExists(temp);
            Files.createFile(temp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            try (FileChannel out = FileChannel.open(temp, StandardOpenOption.WRITE)) {
                ByteBuffer buffer = ByteBuffer.wrap(encode(meshName, peers));
                while (buffer.hasRemaining()) {
                    out.write(buffer);
                }
                out.force(true);
            }
            try {
                Files.move(temp, path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                throw new IOException("the file system cannot rename atomically", e);
            }
            // the rename is durable only once the directory entry is on disk
            try (FileChannel directory = FileChannel.open(dir, StandardOpenOption.READ)) {
                directory.force(true);
            }
        } catch (IOException e) {
            try {
                Files.deleteIfExists(temp);
            } catch (IOException ignored) {
                // the temporary file is overwritten on the next write
            }
            throw new StateFileException("cannot write state file " + path + ": " + describe(e), e);
        }
    }

    /** The file's bytes for these peers. */
    public static byte[] encode(String meshName, List<Peer> peers) {
        StringBuilder out = new StringBuilder();
        Map<String, Object> header = new LinkedHashMap<>();
        header.put("format", FORMAT);
        header.put("version", (long) VERSION);
        header.put("mesh", meshName);
        String head = Json.write(header);
        out.append(head, 0, head.length() - 1).append(",\"peers\":[\n");
        for (int i = 0; i < peers.size(); i++) {
            out.append(Json.write(toJson(peers.get(i)))).append(i + 1 < peers.size() ? ",\n" : "\n");
        }
        out.append("]}\n");
        return out.toString().getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Reads the file's bytes.
     *
     * @throws InvalidInputException saying what is wrong (without the file's name)
     */
    public static List<Peer> decode(byte[] bytes, String meshName) {
        String text;
        try {
            text = StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new InvalidInputException("not UTF-8 text");
        }
        if (text.isBlank()) {
            throw new InvalidInputException("the file is empty");
        }
        Map<String, Object> top = Json.parseObject(text);
        for (String key : top.keySet()) {
            if (!TOP_KEYS.contains(key)) {
                throw new InvalidInputException("unknown key \"" + key + "\"");
            }
        }
        if (!FORMAT.equals(top.get("format"))) {
            throw new InvalidInputException(
                    "\"format\" is " + Json.write(top.get("format")) + ", expected \"" + FORMAT + "\"");
        }
        if (!(top.get("version") instanceof Long version)) {
            throw new InvalidInputException("\"version\" is missing or not a number");
        }
        if (version != VERSION) {
            throw new InvalidInputException("version " + version + " is not supported (this tunnelmesh reads version "
                    + VERSION + (version > VERSION ? "; it was written by a newer tunnelmesh)" : ")"));
        }
        if (!(top.get("mesh") instanceof String mesh)) {
            throw new InvalidInputException("\"mesh\" is missing or not a string");
        }
        if (!mesh.equals(meshName)) {
            throw new InvalidInputException("it belongs to mesh '" + mesh + "', not '" + meshName + "'");
        }
        if (!(top.get("peers") instanceof List<?> entries)) {
            throw new InvalidInputException("\"peers\" is missing or not an array");
        }
        List<Peer> peers = new ArrayList<>(entries.size());
        Set<String> names = new java.util.HashSet<>();
        for (int i = 0; i < entries.size(); i++) {
            Peer peer;
            try {
                peer = peerFromJson(entries.get(i));
            } catch (InvalidInputException e) {
                throw new InvalidInputException("peer #" + (i + 1) + ": " + e.getMessage());
            }
            if (!names.add(peer.name())) {
                throw new InvalidInputException("peer '" + peer.name() + "' appears twice");
            }
            peers.add(peer);
        }
        return List.copyOf(peers);
    }

    /** A peer as JSON: {@code {"name":..,"underlay":..,"subnets":[..]}}. */
    private static Map<String, Object> toJson(Peer peer) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("name", peer.name());
        json.put("underlay", peer.underlay().toString());
        json.put("subnets", peer.subnets().stream().map(Ipv4Prefix::toString).toList());
        if (peer.tunnelAddress() != null) {
            json.put("tunnelAddress", peer.tunnelAddress().toString());
        }
        return json;
    }

    private static Peer peerFromJson(Object entry) {
        if (!(entry instanceof Map<?, ?> map)) {
            throw new InvalidInputException("expected an object, found " + Json.typeOf(entry));
        }
        for (Object key : map.keySet()) {
            if (!PEER_KEYS.contains(key)) {
                throw new InvalidInputException("unknown key \"" + key + "\"");
            }
        }
        if (!(map.get("name") instanceof String name)) {
            throw new InvalidInputException("\"name\" is missing or not a string");
        }
        if (!(map.get("underlay") instanceof String underlay)) {
            throw new InvalidInputException("peer '" + name + "': \"underlay\" is missing or not a string");
        }
        List<Ipv4Prefix> prefixes = Json.subnets(map, "peer '" + name + "'");
        Ipv4Address tunnel = Json.tunnelAddress(map, "peer '" + name + "'");
        try {
            return new Peer(name, Ipv4Address.parse(underlay), prefixes, tunnel);
        } catch (InvalidInputException e) {
            throw e.getMessage().startsWith("peer '")
                    ? e
                    : new InvalidInputException("peer '" + name + "': " + e.getMessage());
        }
    }

    /**
     * The peers a mesh starts with: those in the state file, then the given ones (the command line's
     * {@code --peer}); a given peer replaces a saved one of the same name, since it is the newer word.
     */
    public static List<Peer> startingPeers(List<Peer> saved, List<Peer> given) {
        Map<String, Peer> byName = new LinkedHashMap<>();
        for (Peer peer : saved) {
            byName.put(peer.name(), peer);
        }
        for (Peer peer : given) {
            byName.put(peer.name(), peer);
        }
        return List.copyOf(byName.values());
    }

    private static String describe(IOException e) {
        String what = e.getClass().getSimpleName().replace("Exception", "");
        String message = e.getMessage();
        if (e instanceof java.nio.file.AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof NoSuchFileException) {
            return "no such file or directory: " + message;
        }
        return message == null ? what : message;
    }
}
