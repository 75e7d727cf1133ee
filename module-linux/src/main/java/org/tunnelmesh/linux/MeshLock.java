package org.tunnelmesh.linux;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.tunnelmesh.ConflictException;
import org.tunnelmesh.TunnelMeshException;

/**
 * One mesh per network namespace and route protocol: two meshes marking routes with the same
 * protocol would each delete the other's routes as leftovers on every reconcile. The lock is a
 * file lock on {@code /run/tunnelmesh/net-<netns inode>-proto-<protocol>.lock}, so it holds across
 * processes and goes away with a process that dies; the file names the holder for the error.
 *
 * <p>Within one JVM a map decides first: fcntl locks belong to the process, and closing any
 * descriptor of the file would drop the lock another mesh of this process holds on it.
 */
final class MeshLock implements AutoCloseable {
    /** Overridable for an embedder without write access to /run (e.g. systemd's RuntimeDirectory). */
    static final Path DIRECTORY = Path.of(System.getProperty("tunnelmesh.lockDirectory", "/run/tunnelmesh"));
    private static final Map<String, String> HELD_HERE = new ConcurrentHashMap<>();

    private final String key;
    private final FileChannel channel;
    private final FileLock lock;

    private MeshLock(String key, FileChannel channel, FileLock lock) {
        this.key = key;
        this.channel = channel;
        this.lock = lock;
    }

    /** The lock file's name: the namespace by its inode (any name or path leads to the same one) and the protocol. */
    static String key(long netnsInode, int protocol) {
        return "net-" + netnsInode + "-proto-" + protocol;
    }

    /**
     * Takes the lock, before anything in the kernel changes.
     *
     * @param where the namespace as the user named it, for the message
     * @throws ConflictException naming the mesh (and process) that holds it
     */
    static MeshLock acquire(long netnsInode, int protocol, String meshName, String where) {
        return acquire(DIRECTORY, netnsInode, protocol, meshName, where);
    }

    static MeshLock acquire(Path directory, long netnsInode, int protocol, String meshName, String where) {
        String key = key(netnsInode, protocol);
        String holder = "mesh '" + meshName + "' (pid " + ProcessHandle.current().pid() + ")";
        String other = HELD_HERE.putIfAbsent(key, holder);
        if (other != null) {
            throw conflict(where, protocol, other + " in this process");
        }
        Path file = directory.resolve(key + ".lock");
        FileChannel channel = null;
        try {
            Files.createDirectories(directory);
            channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
            FileLock lock = channel.tryLock();
            if (lock == null) {
                String text = new String(Files.readAllBytes(file), StandardCharsets.UTF_8).strip();
                throw conflict(where, protocol, text.isEmpty() ? "another process" : text);
            }
            channel.truncate(0);
            channel.write(ByteBuffer.wrap((holder + "\n").getBytes(StandardCharsets.UTF_8)), 0);
            return new MeshLock(key, channel, lock);
        } catch (IOException e) {
            closeQuietly(channel);
            HELD_HERE.remove(key);
            throw new TunnelMeshException("cannot take the lock " + file + " that keeps one mesh per network namespace and route protocol: "
                    + e.getMessage() + "; the process needs write access to " + directory
                    + " (root, or systemd RuntimeDirectory=tunnelmesh, or -Dtunnelmesh.lockDirectory=DIR)", e);
        } catch (RuntimeException e) {
            closeQuietly(channel);
            HELD_HERE.remove(key);
            throw e;
        }
    }

    private static ConflictException conflict(String where, int protocol, String holder) {
        return new ConflictException(where + " already has a mesh with route protocol " + protocol + ": " + holder
                + " holds it. One mesh per network namespace and route protocol (each would delete the other's routes); "
                + "stop that one, or give this mesh another routeProtocol");
    }

    private static void closeQuietly(FileChannel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException e) {
                // nothing held on it
            }
        }
    }

    @Override
    public void close() {
        try {
            lock.release();
        } catch (IOException e) {
            // closing the channel releases it too
        }
        closeQuietly(channel);
        HELD_HERE.remove(key);
    }
}
