package org.tunnelmesh.jmx.remote;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The executor of the JDK's HTTP server, made so that slow or idle clients delay nobody else.
 *
 * <p>The JDK server ({@code sun.net.httpserver.ServerImpl}) accepts on one dispatcher thread and,
 * once a connection's first byte arrives, hands the whole exchange to this executor: the request
 * line, the headers and the body are read in blocking mode on the executor's thread. A client that
 * sends one byte and stops therefore holds a thread for as long as it likes (the JDK's own
 * {@code sun.net.httpserver.maxReqTime} is off by default and JVM-wide). So here:
 * <ul>
 *   <li>every exchange gets a thread of its own, started at once: nobody queues behind a slow
 *       client, and the dispatcher never runs an exchange itself (it would stop accepting);</li>
 *   <li>a request must be read within its timeouts: the headers within {@code headerTimeout} of
 *       its first byte, the body within {@code bodyTimeout} after them ({@link #headersRead},
 *       {@link #requestRead}, called by {@link JolokiaGuard});</li>
 *   <li>at most {@code maxOpen} requests are being read at once; one more cuts the oldest of them,
 *       so a flood of stalled connections cannot lock out a client that sends its request whole
 *       (they share 127.0.0.1 on loopback: no per-address limit can tell them apart).</li>
 * </ul>
 * A request is cut by interrupting its thread: the JDK reads from an interruptible
 * {@code SocketChannel}, which closes on interrupt, and the server then drops the connection.
 */
final class RequestThreads implements Executor, AutoCloseable {
    private static final Logger log = LogManager.getLogger(RequestThreads.class);
    private static final ThreadLocal<OpenRequest> CURRENT = new ThreadLocal<>();

    private final int maxOpen;
    private final long headerTimeoutNanos;
    private final long bodyTimeoutNanos;
    private final Runnable beforeEach;
    private final ThreadPoolExecutor threads;
    private final ScheduledExecutorService watchdog;
    /** Requests still being read, oldest first. Guarded by {@code this}. */
    private final Set<OpenRequest> open = new LinkedHashSet<>();

    /**
     * @param beforeEach runs on the request's thread before the JDK reads the request (the
     *     endpoint waits there for Jolokia's agent); not timed
     */
    RequestThreads(String name, int maxOpen, Duration headerTimeout, Duration bodyTimeout, Runnable beforeEach) {
        this.maxOpen = maxOpen;
        this.headerTimeoutNanos = headerTimeout.toNanos();
        this.bodyTimeoutNanos = bodyTimeout.toNanos();
        this.beforeEach = beforeEach;
        AtomicInteger count = new AtomicInteger();
        // no queue: a thread per exchange, at most twice the open requests (cut ones may not have ended yet)
        this.threads = new ThreadPoolExecutor(
                0,
                2 * maxOpen,
                30,
                TimeUnit.SECONDS,
                new SynchronousQueue<>(),
                r -> daemon(r, name + "-" + count.incrementAndGet()),
                new ThreadPoolExecutor.AbortPolicy());
        this.watchdog = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, name + "-timeouts"));
        long tick = Math.max(50, Math.min(headerTimeout.toMillis(), bodyTimeout.toMillis()) / 10);
        var unused = watchdog.scheduleWithFixedDelay(
                this::cutOverdue, tick, tick, TimeUnit.MILLISECONDS); // ends with close()
    }

    /**
     * Called on the JDK's dispatcher thread: never blocks, never runs the exchange itself.
     *
     * @throws RejectedExecutionException when every thread is taken; the JDK server then closes the connection
     */
    @Override
    public void execute(Runnable exchange) {
        OpenRequest request = new OpenRequest();
        OpenRequest cut = null;
        synchronized (this) {
            if (open.size() >= maxOpen) {
                Iterator<OpenRequest> oldest = open.iterator();
                cut = oldest.next();
                oldest.remove();
            }
            open.add(request);
        }
        if (cut != null) {
            log.warn(
                    "HTTP: {} requests being read at once: the oldest, open for {} ms, is cut",
                    maxOpen,
                    cut.ageMillis());
            cut.cut();
        }
        try {
            threads.execute(() -> run(request, exchange));
        } catch (RejectedExecutionException e) {
            synchronized (this) {
                open.remove(request);
            }
            log.warn("HTTP: all {} request threads busy: a new connection is closed", threads.getMaximumPoolSize());
            throw e;
        }
    }

    private void run(OpenRequest request, Runnable exchange) {
        CURRENT.set(request);
        try {
            request.start(Thread.currentThread());
            beforeEach.run();
            request.extend(headerTimeoutNanos);
            exchange.run();
        } finally {
            synchronized (this) {
                open.remove(request);
            }
            request.done();
            CURRENT.remove();
            Thread.interrupted(); // a cut that came after the exchange ended must not reach the next one on this thread
        }
    }

    /** The current request's headers are in: its body now has {@code bodyTimeout}. No-op off these threads. */
    static void headersRead() {
        OpenRequest request = CURRENT.get();
        if (request != null) {
            request.extend(request.owner.bodyTimeoutNanos);
        }
    }

    /**
     * The current request is read whole: it is no longer timed or cut, whatever it does next (a
     * slow handler is not the client's doing). No-op off these threads.
     */
    static void requestRead() {
        OpenRequest request = CURRENT.get();
        if (request != null) {
            synchronized (request.owner) {
                request.owner.open.remove(request);
            }
            request.done();
            Thread.interrupted(); // a cut that raced with the last read: the request was read in time
        }
    }

    private void cutOverdue() {
        long now = System.nanoTime();
        List<OpenRequest> overdue = new ArrayList<>();
        synchronized (this) {
            for (Iterator<OpenRequest> i = open.iterator(); i.hasNext(); ) {
                OpenRequest request = i.next();
                if (request.overdue(now)) {
                    i.remove();
                    overdue.add(request);
                }
            }
        }
        for (OpenRequest request : overdue) {
            log.warn("HTTP: a request not read within its timeout ({} ms open) is cut", request.ageMillis());
            request.cut();
        }
    }

    /** Requests being read right now. */
    synchronized int openRequests() {
        return open.size();
    }

    @Override
    public void close() {
        watchdog.shutdownNow();
        threads.shutdownNow();
    }

    private static Thread daemon(Runnable r, String name) {
        Thread thread = new Thread(r, name);
        thread.setDaemon(true);
        return thread;
    }

    /** One request being read: its thread, once it has one, and its deadline. */
    private final class OpenRequest {
        final RequestThreads owner = RequestThreads.this;
        private final long created = System.nanoTime();
        private Thread thread;
        private long deadline = Long.MAX_VALUE; // untimed until the JDK starts reading
        private boolean timed;
        private boolean cut;
        private boolean done;

        synchronized void start(Thread thread) {
            this.thread = thread;
            if (cut) {
                thread.interrupt(); // cut before it ran: its first read closes the connection
            }
        }

        synchronized void extend(long timeoutNanos) {
            deadline = System.nanoTime() + timeoutNanos;
            timed = true;
        }

        synchronized boolean overdue(long now) {
            return timed && now - deadline > 0;
        }

        synchronized void cut() {
            cut = true;
            if (thread != null && !done) {
                thread.interrupt();
            }
        }

        synchronized void done() {
            done = true;
        }

        long ageMillis() {
            return (System.nanoTime() - created) / 1_000_000;
        }
    }
}
