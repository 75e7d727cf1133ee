package org.tunnelmesh.jmx.remote;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Objects;
import org.tunnelmesh.InvalidInputException;
import org.tunnelmesh.internal.TrustedFile;

/**
 * The one user and password that every management endpoint (Jolokia, remote JMX) accepts.
 *
 * <p>Only SHA-256 digests are kept and compared with {@link MessageDigest#isEqual}, so a check
 * takes the same time whatever the guess, and equal lengths are not revealed either.
 */
public final class Credentials {
    /** Where the node reads the password from when no file is given. */
    public static final String PASSWORD_ENVIRONMENT_VARIABLE = "TUNNELMESH_PASSWORD";

    /** A password is a line; a file larger than this is not a password file. */
    private static final long MAX_PASSWORD_FILE_BYTES = 64 << 10;

    private final String user;
    private final byte[] userDigest;
    private final byte[] passwordDigest;

    private Credentials(String user, char[] password) {
        this.user = user;
        this.userDigest = sha256(user.getBytes(StandardCharsets.UTF_8));
        this.passwordDigest = sha256(new String(password).getBytes(StandardCharsets.UTF_8));
    }

    /**
     * The one user and password a management endpoint accepts. Only digests are kept; the caller may clear
     * {@code password} afterwards.
     *
     * @param user the user name: not empty, no ':' (basic auth splits on it) nor control characters
     * @param password the password, not empty
     * @return the credentials
     * @throws IllegalArgumentException for an empty user or password, or control characters in the user
     *     (basic auth splits on ':', so the user may not contain one)
     * @throws NullPointerException when {@code user} or {@code password} is null
     */
    public static Credentials of(String user, char[] password) {
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(password, "password");
        if (user.isEmpty() || user.contains(":") || user.chars().anyMatch(Character::isISOControl)) {
            throw new IllegalArgumentException(
                    "user '" + user + "' must be non-empty, without ':' or control characters");
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
     * @param user the user name, as for {@link #of}
     * @param file the password file, e.g. {@code /etc/tunnelmesh/password} (chmod 600)
     * @return the credentials
     * @throws IllegalArgumentException naming the file and what is wrong with it
     */
    public static Credentials fromPasswordFile(String user, Path file) {
        return of(user, readPasswordFile(file));
    }

    /**
     * The first line of a file that only its owner may read (a key store's password, say), owned by
     * root or the node's user, checked and read as {@link TrustedFile} says.
     *
     * @param file the file
     * @return its first line, without the line end
     * @throws IllegalArgumentException naming the file and what is wrong with it: missing, readable by group or
     *     others, owned by another user, too big, or an empty first line
     */
    public static char[] readPasswordFile(Path file) {
        String text;
        try {
            text = new String(
                    TrustedFile.read(file, "password file", MAX_PASSWORD_FILE_BYTES, true), StandardCharsets.UTF_8);
        } catch (InvalidInputException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        String first = text.lines().findFirst().orElse("");
        if (first.isEmpty()) {
            throw new IllegalArgumentException("password file " + file + " is empty: its first line is the password");
        }
        return first.toCharArray();
    }

    /** {@return the user name} */
    public String user() {
        return user;
    }

    /**
     * Checks a login attempt in constant time: the user and the password are both compared, always, so the time taken
     * does not tell a right user from a wrong one.
     *
     * @param user the user given
     * @param password the password given
     * @return true when both match; false when either is null
     */
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
