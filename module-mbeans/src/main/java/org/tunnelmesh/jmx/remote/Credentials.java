package org.tunnelmesh.jmx.remote;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The one user and password that every management endpoint (Jolokia, remote JMX) accepts.
 *
 * <p>Only SHA-256 digests are kept and compared with {@link MessageDigest#isEqual}, so a check
 * takes the same time whatever the guess, and equal lengths are not revealed either.
 */
public final class Credentials {
    /** Where the node reads the password from when no file is given. */
    public static final String PASSWORD_ENVIRONMENT_VARIABLE = "TUNNELMESH_PASSWORD";

    private static final Set<PosixFilePermission> OPEN_TO_OTHERS = Set.of(
            PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE,
            PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE);

    private final String user;
    private final byte[] userDigest;
    private final byte[] passwordDigest;

    private Credentials(String user, char[] password) {
        this.user = user;
        this.userDigest = sha256(user.getBytes(StandardCharsets.UTF_8));
        this.passwordDigest = sha256(new String(password).getBytes(StandardCharsets.UTF_8));
    }

    /**
     * @throws IllegalArgumentException for an empty user or password, or control characters in the user
     *     (basic auth splits on ':', so the user may not contain one)
     */
    public static Credentials of(String user, char[] password) {
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(password, "password");
        if (user.isEmpty() || user.contains(":") || user.chars().anyMatch(Character::isISOControl)) {
            throw new IllegalArgumentException("user '" + user + "' must be non-empty, without ':' or control characters");
        }
        if (password.length == 0) {
            throw new IllegalArgumentException("the password of user '" + user + "' is empty");
        }
        return new Credentials(user, password);
    }

    /**
     * The password is the first line of {@code file}, which must be readable by its owner only (no
     * group or other permission bits), as sshd and the JDK's own jmxremote.password insist.
     *
     * @throws IllegalArgumentException naming the file and what is wrong with it
     */
    public static Credentials fromPasswordFile(String user, Path file) {
        return of(user, readPasswordFile(file));
    }

    /**
     * The first line of a file that only its owner may read (a key store's password, say).
     *
     * @throws IllegalArgumentException naming the file and what is wrong with it
     */
    public static char[] readPasswordFile(Path file) {
        Set<PosixFilePermission> permissions;
        List<String> lines;
        try {
            permissions = Files.getPosixFilePermissions(file);
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("password file " + file + " does not exist");
        } catch (IOException | UnsupportedOperationException e) {
            throw new IllegalArgumentException("cannot read password file " + file + ": " + e.getMessage());
        }
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("password file " + file + " is not a regular file");
        }
        if (permissions.stream().anyMatch(OPEN_TO_OTHERS::contains)) {
            throw new IllegalArgumentException("password file " + file + " is open to group or others ("
                    + java.nio.file.attribute.PosixFilePermissions.toString(permissions) + "): chmod 600 " + file);
        }
        if (lines.isEmpty() || lines.get(0).isEmpty()) {
            throw new IllegalArgumentException("password file " + file + " is empty: its first line is the password");
        }
        return lines.get(0).toCharArray();
    }

    public String user() {
        return user;
    }

    /** Constant-time check of a login attempt; null values never match. */
    public boolean matches(String user, String password) {
        if (user == null || password == null) {
            return false;
        }
        // both compared, always: no early exit that tells a right user from a wrong one
        boolean userOk = MessageDigest.isEqual(userDigest, sha256(user.getBytes(StandardCharsets.UTF_8)));
        boolean passwordOk = MessageDigest.isEqual(passwordDigest, sha256(password.getBytes(StandardCharsets.UTF_8)));
        return userOk && passwordOk;
    }

    @Override
    public String toString() {
        return "Credentials[user=" + user + ", password=****]";
    }

    private static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
