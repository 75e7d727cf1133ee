package org.tunnelmesh.linux;

import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.tunnelmesh.MeshListener;
import org.tunnelmesh.linux.rtnetlink.KernelErrors;

/**
 * How a mesh changes: one change at a time under {@link #lock}, and the listeners told of each
 * after the lock is released (a slow listener, or one that calls back into the mesh, cannot stall
 * or deadlock it), in the order of the changes, and before the call that made the change returns.
 */
final class MeshChanges {
    // the mesh's logger: operators select its lines by that name
    private static final Logger log = LogManager.getLogger(LinuxTunnelMesh.class);

    /** Held by every change, and by every read that must not see one half made. */
    final Object lock = new Object();

    private final List<MeshListener> listeners = new CopyOnWriteArrayList<>();
    /** Events of committed changes, queued under the lock so their order is the order of the changes. */
    private final Queue<Runnable> pending = new ConcurrentLinkedQueue<>();
    /** Held while delivering, so events reach listeners one at a time and in order. */
    private final Object delivery = new Object();
    /** Events queued so far, counted under the lock: whether a change queued any. */
    private long queued;
    /** The close was queued: nothing follows it. */
    private boolean over;
    /**
     * Calls of {@link #changing} finished, counted under the lock as each ends: a kernel read made outside the lock
     * shows every change of the mesh's if this did not move while it read.
     */
    private volatile long generation;

    /** Runs {@code change} under the lock, then delivers the events it queued (and any before them). */
    <T> T changing(Supplier<T> change) {
        boolean[] fired = {false};
        try {
            synchronized (lock) {
                long before = queued;
                try {
                    return change.get();
                } finally {
                    fired[0] = queued != before;
                    generation++;
                }
            }
        } catch (RuntimeException e) {
            throw KernelErrors.translate(
                    e); // what the session does not translate (bpf(2), say) leaves as the API's exception too
        } finally {
            // only a call that made a change waits for its delivery: a refused one (a closed mesh, bad input)
            // returns at once, even to a listener that waits for it while it delivers
            if (fired[0]) {
                deliver();
            }
        }
    }

    /** See {@link #generation}: read it before a kernel read outside the lock, and compare it under the lock. */
    long generation() {
        return generation;
    }

    private void deliver() {
        synchronized (delivery) {
            for (Runnable event = pending.poll(); event != null; event = pending.poll()) {
                event.run();
            }
        }
    }

    /** Queues an event under the lock; {@link #changing} hands it to the listeners once the lock is released. */
    void fire(Consumer<MeshListener> event) {
        queued++;
        pending.add(() -> {
            for (MeshListener listener : listeners) {
                try {
                    event.accept(listener);
                } catch (RuntimeException e) {
                    log.error("mesh listener {} failed", listener, e);
                }
            }
        });
    }

    /** Tells the listeners now, after what was queued before: for events that follow a change rather than make one. */
    void tell(Consumer<MeshListener> event) {
        synchronized (lock) {
            if (over) {
                return; // a duration that comes after the close: meshClosed stays the last event
            }
            fire(event);
        }
        deliver();
    }

    /** Tells the listeners that the mesh is closed, and forgets them: the last event. */
    void closed() {
        synchronized (lock) {
            fire(MeshListener::meshClosed);
            over = true;
        }
        deliver();
        listeners.clear();
    }

    void addListener(MeshListener listener) {
        listeners.add(listener);
    }

    void removeListener(MeshListener listener) {
        listeners.remove(listener);
    }
}
