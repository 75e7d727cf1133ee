package org.tunnelmesh.linux;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.tunnelmesh.ConflictException;
import org.tunnelmesh.InvalidInputException;
import org.tunnelmesh.PermissionDeniedException;
import org.tunnelmesh.TunnelMeshException;
import org.tunnelmesh.internal.TrustedFile;

/**
 * One mesh per network namespace and route protocol: two meshes marking routes with the same
 * protocol would each delete the other's routes as leftovers on every reconcile. The lock is a
 * file lock on {@code /run/tunnelmesh/net-<netns inode>-proto-<protocol>.lock}, so it holds across
 * processes and goes away with a process that dies; the file names the holder for the error.
 * The file is readable by its owner only (mode 0600, in a directory only root or the node's user
 * can change): another user could otherwise take a shared lock on it and keep every mesh from starting.
 *
 * <p>Within one JVM a map decides first: fcntl locks belong to the process, and closing any
 * descriptor of the file would drop the lock another mesh of this process holds on it.
 */
final class MeshLock implements AutoCloseable {
    /** Overridable for an embedder without write access to /run (e.g. systemd's RuntimeDirectory). */
    static final Path DIRECTORY = Path.of(System.getProperty("tunnelmesh.lockDirectory", "/run/tunnelmesh"));

    private static final Map<String, String> HELD_HERE = new ConcurrentHashMap<>();
    private static final Pattern PID = Pattern.compile("\\(pid (\\d{1,18})\\)$");
    private static final int S_IFMT = 0170000;
    private static final int S_IFREG = 0100000;

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
        String holder =
                "mesh '" + meshName + "' (pid " + ProcessHandle.current().pid() + ")";
        String other = HELD_HERE.putIfAbsent(key, holder);
        if (other != null) {
            throw conflict(where, protocol, other + " in this process");
        }
        Path file = directory.resolve(key + ".lock");
        FileChannel channel = null;
        try {
            channel = open(directory, file);
            FileLock lock = channel.tryLock();
            if (lock == null) {
                String text = holderOf(channel);
                Matcher pid = PID.matcher(text);
                if (pid.find() && ProcessHandle.of(Long.parseLong(pid.group(1))).isEmpty()) {
                    throw new ConflictException(
                            where + " has no running mesh with route protocol " + protocol + ", but its lock " + file
                                    + " is held: the file names " + text
                                    + ", which is not running. Find the process that holds the lock with"
                                    + " lslocks and stop it");
                }
                throw conflict(where, protocol, text.isEmpty() ? "another process" : text);
            }
            channel.truncate(0);
            channel.write(ByteBuffer.wrap((holder + "\n").getBytes(StandardCharsets.UTF_8)), 0);
            return new MeshLock(key, channel, lock);
        } catch (IOException e) {
            closeQuietly(channel);
            HELD_HERE.remove(key);
            throw lockFailed(directory, file, e);
        } catch (RuntimeException e) {
            closeQuietly(channel);
            HELD_HERE.remove(key);
            throw e;
        }
    }

    /**
     * Opens the lock file read-write, for us alone: any user who can open it can hold an fcntl lock
     * on it (a shared one needs only read access) and so keep every mesh from starting. The
     * directory is checked first, so nobody else can swap the file for a link between the check and
     * the open; a file left readable by an older tunnelmesh is made private.
     */
    private static FileChannel open(Path directory, Path file) throws IOException {
        Files.createDirectories(
                directory, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        try {
            TrustedFile.checkDirectories(directory, "the lock file " + file);
        } catch (InvalidInputException e) {
            throw new InvalidInputException(
                    e.getMessage() + " (the lock directory: a user who can change it can keep meshes from starting)");
        }
        Map<String, Object> attributes = null;
        try {
            attributes = Files.readAttributes(file, "unix:mode,uid", LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            // created below, private from the start
        }
        if (attributes != null) {
            int mode = (Integer) attributes.get("mode");
            int uid = (Integer) attributes.get("uid");
            if ((mode & S_IFMT) != S_IFREG || (uid != 0 && uid != TrustedFile.nodeUid())) {
                throw new InvalidInputException("the lock file " + file + " is not a regular file of root or uid "
                        + TrustedFile.nodeUid() + ": someone else put it there; remove it");
            }
            if ((mode & 077) != 0) {
                Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
            }
        }
        return FileChannel.open(
                file,
                Set.of(
                        StandardOpenOption.CREATE,
                        StandardOpenOption.READ,
                        StandardOpenOption.WRITE,
                        LinkOption.NOFOLLOW_LINKS),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    }

    /**
     * Why the lock could not be taken, each path named once: java.nio's message is the path alone
     * (an AccessDeniedException says only "/run/tunnelmesh"), the reason is apart from it.
     */
    static TunnelMeshException lockFailed(Path directory, Path file, IOException e) {
        String denied = e instanceof FileSystemException f && f.getFile() != null ? f.getFile() : file.toString();
        String reason = e instanceof FileSystemException f
                ? (f.getReason() == null ? e.getClass().getSimpleName() : f.getReason())
                : e.getMessage();
        String onWhat = denied.equals(file.toString()) ? "" : " on " + denied;
        String fix = "the process needs write access to " + directory + ": run as root, give it a directory of its own"
                + " (systemd RuntimeDirectory=tunnelmesh), or name one it may write with -Dtunnelmesh.lockDirectory=DIR";
        String what =
                "cannot take the lock " + file + " that keeps one mesh per network namespace and route protocol: ";
        if (e instanceof AccessDeniedException) {
            return new PermissionDeniedException(what + "Permission denied" + onWhat + "; " + fix, e);
        }
        return new TunnelMeshException(what + reason + onWhat + "; " + fix, e);
    }

    /** Who the lock file says holds it (the mesh and its pid), read from the open file. */
    private static String holderOf(FileChannel channel) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(4096);
        channel.read(buffer, 0);
        return new String(buffer.array(), 0, buffer.position(), StandardCharsets.UTF_8).strip();
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
