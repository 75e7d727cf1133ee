package org.tunnelmesh.linux.syscall;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Runs code inside another network namespace. A netlink socket belongs to the namespace it was
 * created in, so opening sockets here lets one process manage several namespaces.
 *
 * <p>setns(2) switches only the calling thread; we do it on a short-lived platform thread of our
 * own, so no pooled or virtual thread is ever left in the wrong namespace.
 */
public final class NetworkNamespace {
    private static final String NETNS_DIR = "/run/netns";

    private NetworkNamespace() {}

    /** A name under /run/netns (as made by {@code ip netns add}) or an absolute path such as /proc/PID/ns/net. */
    public static Path resolve(String nameOrPath) {
        Path path = nameOrPath.startsWith("/") ? Path.of(nameOrPath) : Path.of(NETNS_DIR, nameOrPath);
        if (!Files.exists(path)) {
            throw new IllegalArgumentException("network namespace '" + nameOrPath + "' not found (no " + path + ")");
        }
        return path;
    }

    /**
     * The inode of the calling thread's network namespace (the N of {@code net:[N]}): the kernel's
     * identity of a namespace while it exists, the same whichever name or path led to it.
     */
    public static long currentInode() {
        Path link = Path.of("/proc/thread-self/ns/net");
        try {
            String target = Files.readSymbolicLink(link).toString();
            if (target.startsWith("net:[") && target.endsWith("]")) {
                return Long.parseLong(target.substring(5, target.length() - 1));
            }
            throw new IllegalStateException(link + " points to '" + target + "', not net:[inode]");
        } catch (java.io.IOException | NumberFormatException e) {
            throw new IllegalStateException("cannot read " + link + ": " + e.getMessage(), e);
        }
    }

    public static <T> T call(String nameOrPath, Callable<T> task) {
        Path target = resolve(nameOrPath);
        AtomicReference<T> result = new AtomicReference<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread thread = new Thread(
                () -> {
                    try {
                        result.set(inNamespace(target, task));
                    } catch (Throwable t) {
                        failure.set(t);
                    }
                },
                "tunnelmesh-netns-" + target.getFileName());
        thread.start();
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while entering network namespace " + nameOrPath, e);
        }
        Throwable t = failure.get();
        if (t instanceof RuntimeException r) {
            throw r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        if (t != null) {
            throw new IllegalStateException(t.getMessage(), t);
        }
        return result.get();
    }

    private static <T> T inNamespace(Path target, Callable<T> task) throws Exception {
        int original = openNamespace(Path.of("/proc/thread-self/ns/net"));
        try {
            int targetFd = openNamespace(target);
            try {
                setns(targetFd, target);
            } finally {
                Native.close(targetFd);
            }
            try {
                return task.call();
            } finally {
                setns(original, Path.of("(original namespace)"));
            }
        } finally {
            Native.close(original);
        }
    }

    private static int openNamespace(Path path) {
        return Native.openReadOnly(path.toString());
    }

    private static void setns(int fd, Path path) {
        // EPERM: entering a network namespace needs CAP_SYS_ADMIN (the translation above says so)
        Native.setns(fd, Native.CLONE_NEWNET, "setns(" + path + ", CLONE_NEWNET)");
    }
}
