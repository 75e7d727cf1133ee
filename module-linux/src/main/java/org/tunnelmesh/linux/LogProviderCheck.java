package org.tunnelmesh.linux;

import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.simple.SimpleLoggerContextFactory;
import org.apache.logging.log4j.util.ProviderUtil;

/**
 * The library logs through the Log4j 2 API only; the binding is the application's choice. Without one, Log4j's API
 * says "could not find a logging provider" and falls back to a logger that prints ERROR only: the mesh's INFO and WARN
 * lines (peers added, state repaired, a peer unreachable) vanish. This says so once, in words an embedder can act on.
 * Run when {@link LinuxTunnelMesh} is first used, the library's first log-related action.
 */
final class LogProviderCheck {
    private static final AtomicBoolean CHECKED = new AtomicBoolean();

    private LogProviderCheck() {}

    static void warnOnceIfMissing() {
        if (!CHECKED.compareAndSet(false, true)) {
            return;
        }
        // the fallback Log4j's API chose because nothing else was there (a factory the application set is its choice)
        if (LogManager.getFactory() instanceof SimpleLoggerContextFactory && !ProviderUtil.hasProviders()) {
            // stderr, not the logger: the logger is what is missing
            System.err.println("tunnelmesh: no Log4j 2 logging provider on the class path, so the mesh's log (its INFO"
                    + " and WARN lines) is lost. Add the dependency org.apache.logging.log4j:log4j-core, or"
                    + " org.apache.logging.log4j:log4j-to-slf4j in an application that logs through SLF4J (Logback)");
        }
    }
}
