package org.tunnelmesh.linux;

import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * What issue 21 row 10's local user ran: a shared fcntl lock on a lock file, which needs read access
 * only, held until stdin closes. Prints LOCKED once it holds it, or the error.
 */
public final class SharedLockHolder {
    private SharedLockHolder() {}

    public static void main(String[] args) throws Exception {
        try (FileChannel channel = FileChannel.open(Path.of(args[0]), StandardOpenOption.READ)) {
            FileLock lock = channel.tryLock(0, Long.MAX_VALUE, true);
            System.out.println(lock == null ? "BUSY" : "LOCKED");
            System.out.flush();
            System.in.read();
        } catch (Exception e) {
            System.out.println("REFUSED " + e);
        }
    }
}
