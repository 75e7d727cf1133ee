package org.tunnelmesh.internal;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.Set;
import org.tunnelmesh.InvalidInputException;

/**
 * Reads a file whose content the node trusts - the state file (it decides the routes), a password
 * file, a key store - after checking that nobody but root and the node's own user can have put it
 * there. Every check names the file, what is wrong and the command that fixes it.
 *
 * <ul>
 * <li>Every directory on the way, from {@code /} down, is owned by root or the node's user and is
 *     not writable by group or others (unless sticky, as {@code /tmp}: there only a file's owner
 *     can rename or remove it). So nobody else can put another file, a link or a FIFO under the
 *     name between the check and the open: Java cannot open with {@code O_NONBLOCK} or
 *     {@code fstat} what it opened, so the directories are what make check-then-open safe.
 * <li>The file itself: not a symbolic link (and opened with {@code O_NOFOLLOW}), a regular file
 *     (a FIFO would block the open, {@code /dev/zero} never ends), owned by root or the node's
 *     user, not writable by group or others; a secret not even readable by them.
 * <li>Read from the opened descriptor, never more than the limit.
 * </ul>
 * The node's user is the owner of {@code /proc/self}: the effective uid. Not API beyond this module's
 * users: {@code tunnelmesh-linux}, {@code tunnelmesh-mbeans} and the node share it.
 */
public final class TrustedFile {
    private static final int S_IFMT = 0170000;
    private static final int S_IFREG = 0100000;
    private static final int S_IFDIR = 0040000;
    private static final int S_ISVTX = 01000;
    private static final Map<Integer, String> TYPES = Map.of(
            0010000,
            "a FIFO",
            0020000,
            "a character device",
            0040000,
            "a directory",
            0060000,
            "a block device",
            0120000,
            "a symbolic link",
            0140000,
            "a socket");

    private TrustedFile() {}

    /**
     * The bytes of {@code file}, checked as the class says.
     *
     * @param what     what the file is, for the message ("state file", "password file")
     * @param secret   true when group and others may not even read it (passwords, keys)
     * @throws InvalidInputException naming the file, what is wrong and how to fix it
     */
    public static byte[] read(Path file, String what, long maxBytes, boolean secret) {
        byte[] bytes = readIfPresent(file, what, maxBytes, secret);
        if (bytes == null) {
            throw new InvalidInputException(what + " " + file + " does not exist");
        }
        return bytes;
    }

    /** As {@link #read}, but null when the file does not exist (its directory must: the file is written there). */
    public static byte[] readIfPresent(Path file, String what, long maxBytes, boolean secret) {
        Path path = file.toAbsolutePath().normalize();
        if (path.getParent() == null) {
            throw new InvalidInputException(what + " " + path + " is not a file");
        }
        if (!Files.isDirectory(path.getParent())) {
            throw new InvalidInputException(
                    what + " " + path + " does not exist, nor its directory " + path.getParent());
        }
        Path real = checkDirectories(path.getParent(), what + " " + path).resolve(path.getFileName());
        Map<String, Object> attributes;
        try {
            attributes = Files.readAttributes(real, "unix:mode,uid,size", LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            throw new InvalidInputException("cannot read " + what + " " + path + ": " + describe(e));
        }
        int mode = (Integer) attributes.get("mode");
        if ((mode & S_IFMT) != S_IFREG) {
            throw new InvalidInputException(
                    what + " " + path + " is " + TYPES.getOrDefault(mode & S_IFMT, "not a regular file")
                            + ", not a regular file: give the path of the file itself");
        }
        checkOwner(path, what, (Integer) attributes.get("uid"));
        int open = mode & (secret ? 077 : 022);
        if (open != 0) {
            throw new InvalidInputException(what + " " + path + " is " + (secret ? "open to" : "writable by")
                    + " group or others (" + permissions(mode) + "): chmod " + (secret ? "600" : "go-w") + " " + path);
        }
        if ((Long) attributes.get("size") > maxBytes) {
            throw tooLarge(path, what, maxBytes);
        }
        // O_NOFOLLOW; the directories above make sure it is still the file just checked
        try (SeekableByteChannel channel =
                Files.newByteChannel(real, Set.of(StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS))) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteBuffer buffer = ByteBuffer.allocate(8192);
            while (channel.read(buffer.clear()) >= 0) {
                out.write(buffer.array(), 0, buffer.position());
                if (out.size() > maxBytes) {
                    throw tooLarge(path, what, maxBytes);
                }
            }
            return out.toByteArray();
        } catch (IOException e) {
            throw new InvalidInputException("cannot read " + what + " " + path + ": " + describe(e));
        }
    }

    /**
     * Checks that nobody but root and the node's user can change what {@code directory} holds: it
     * and every directory above it are owned by one of them and not writable by group or others
     * (unless sticky).
     *
     * @param whose what lives there, for the message ("state file /var/lib/tunnelmesh/node1.json")
     * @return the directory with its symbolic links resolved: open files there, not under the given name
     * @throws InvalidInputException naming the directory, what is wrong and how to fix it
     */
    public static Path checkDirectories(Path directory, String whose) {
        Path real;
        try {
            real = directory.toRealPath();
        } catch (NoSuchFileException e) {
            throw new InvalidInputException("the directory " + directory + " of " + whose + " does not exist");
        } catch (IOException e) {
            throw new InvalidInputException(
                    "cannot reach the directory " + directory + " of " + whose + ": " + describe(e));
        }
        Path current = real.getRoot();
        checkDirectory(current, whose);
        for (Path name : real) {
            current = current.resolve(name);
            checkDirectory(current, whose);
        }
        return real;
    }

    private static void checkDirectory(Path directory, String whose) {
        Map<String, Object> attributes;
        try {
            attributes = Files.readAttributes(directory, "unix:mode,uid", LinkOption.NOFOLLOW_LINKS);
        } catch (IOException e) {
            throw new InvalidInputException(
                    "cannot check the directory " + directory + " of " + whose + ": " + describe(e));
        }
        int mode = (Integer) attributes.get("mode");
        int uid = (Integer) attributes.get("uid");
        if ((mode & S_IFMT) != S_IFDIR) {
            throw new InvalidInputException(whose + ": " + directory + " changed while it was checked; try again");
        }
        if (uid != 0 && uid != nodeUid()) {
            throw new InvalidInputException(whose + " is in directory " + directory + ", owned by uid " + uid
                    + ", who could swap the file: keep it where only root or uid " + nodeUid()
                    + " can change the directories");
        }
        if ((mode & 022) != 0 && (mode & S_ISVTX) == 0) {
            throw new InvalidInputException(whose + " is in directory " + directory + ", writable by group or others ("
                    + permissions(mode) + "), who could swap the file: chmod go-w " + directory);
        }
    }

    private static void checkOwner(Path file, String what, int uid) {
        if (uid != 0 && uid != nodeUid()) {
            throw new InvalidInputException(
                    what + " " + file + " is owned by uid " + uid + ", not by root or this node's user (uid "
                            + nodeUid() + "): nobody else may decide what it says; check its content, then chown "
                            + nodeUid() + " " + file);
        }
    }

    /** The node's effective uid: the owner of its /proc/self. */
    public static int nodeUid() {
        try {
            return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        } catch (IOException | UnsupportedOperationException e) {
            throw new IllegalStateException("cannot tell this process's uid from /proc/self: " + e, e);
        }
    }

    private static InvalidInputException tooLarge(Path file, String what, long maxBytes) {
        return new InvalidInputException(what + " " + file + " is larger than " + maxBytes + " bytes: not a " + what);
    }

    private static String permissions(int mode) {
        StringBuilder text = new StringBuilder(9);
        String letters = "rwxrwxrwx";
        for (int bit = 0; bit < 9; bit++) {
            text.append((mode & (0400 >> bit)) != 0 ? letters.charAt(bit) : '-');
        }
        return text.toString();
    }

    private static String describe(IOException e) {
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }
}
