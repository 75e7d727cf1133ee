package org.tunnelmesh.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tunnelmesh.ConflictException;

/** The lock key and the in-process side of "one mesh per namespace and protocol" (the lab tests the kernel and a second process). */
class MeshLockTest {
    @TempDir
    Path dir;

    @Test
    void keyNamesTheNamespaceInodeAndTheProtocol() {
        assertEquals("net-4026531840-proto-87", MeshLock.key(4026531840L, 87));
    }

    @Test
    void aSecondMeshOnTheSameNamespaceAndProtocolIsRefusedNamingTheHolder() throws Exception {
        long pid = ProcessHandle.current().pid();
        try (MeshLock first = MeshLock.acquire(dir, 11, 87, "edge", "network namespace blue")) {
            assertEquals("mesh 'edge' (pid " + pid + ")", Files.readString(dir.resolve("net-11-proto-87.lock")).strip());
            ConflictException e = assertThrows(ConflictException.class, () -> MeshLock.acquire(dir, 11, 87, "other", "network namespace blue"));
            assertTrue(e.getMessage().contains("network namespace blue") && e.getMessage().contains("mesh 'edge' (pid " + pid + ")")
                    && e.getMessage().contains("route protocol 87"), e.getMessage());
            // the refused attempt did not drop the holder's lock (closing a descriptor would, for fcntl locks)
            assertThrows(ConflictException.class, () -> MeshLock.acquire(dir, 11, 87, "other", "x"));
            // another protocol or another namespace is another key
            MeshLock.acquire(dir, 11, 88, "other", "x").close();
            MeshLock.acquire(dir, 12, 87, "other", "x").close();
        }
        try (MeshLock again = MeshLock.acquire(dir, 11, 87, "other", "x")) {
            assertEquals("mesh 'other' (pid " + pid + ")", Files.readString(dir.resolve("net-11-proto-87.lock")).strip());
        }
    }
}
