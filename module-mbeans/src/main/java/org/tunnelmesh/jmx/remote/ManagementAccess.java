package org.tunnelmesh.jmx.remote;

import java.util.Set;
import javax.management.MalformedObjectNameException;
import javax.management.ObjectName;

/**
 * What a remote management client may do, the same for Jolokia and remote JMX: read almost
 * everything, change only the mesh. The node runs as root with CAP_NET_ADMIN, so any MBean that
 * can run code, load classes, write files or reveal the command line is as good as a root shell.
 *
 * <ul>
 *   <li>read: every attribute except the ones that hold secrets ({@code java.lang:type=Runtime}
 *       {@code SystemProperties} and {@code InputArguments}: the command line and -D options may carry a
 *       password), and nothing at all of the MBeans that run code ({@link #isDangerous});</li>
 *   <li>invoke and write: only {@code org.tunnelmesh} MBeans, plus {@code java.lang:type=Memory gc}
 *       (VisualVM's "Perform GC" button) and the thread operations that only read
 *       (JConsole's and VisualVM's Threads tabs call {@code getThreadInfo});</li>
 *   <li>notifications: over JMX from every MBean but the dangerous ones (JConsole subscribes to the
 *       memory pools and the MBeanServer delegate as it connects); over Jolokia from
 *       {@code org.tunnelmesh} MBeans only ({@link #isMesh});</li>
 *   <li>never: creating, registering or unregistering MBeans, or reaching class loaders.</li>
 * </ul>
 */
public final class ManagementAccess {
    /** The mesh's own domain: the only one a client may change. */
    public static final String MESH_DOMAIN = "org.tunnelmesh";

    private static final ObjectName RUNTIME = name("java.lang:type=Runtime");
    private static final ObjectName MEMORY = name("java.lang:type=Memory");
    private static final ObjectName THREADING = name("java.lang:type=Threading");
    /** ThreadMXBean's operations that change nothing (resetPeakThreadCount and the enable/disable setters do). */
    private static final Set<String> THREAD_READS = Set.of(
            "getThreadInfo",
            "dumpAllThreads",
            "findDeadlockedThreads",
            "findMonitorDeadlockedThreads",
            "getThreadCpuTime",
            "getThreadUserTime",
            "getThreadAllocatedBytes");

    private static final Set<String> SECRET_RUNTIME_ATTRIBUTES = Set.of("SystemProperties", "InputArguments");
    /** MBeans whose mere attributes or operations reach code, files or the JVM's flags. */
    private static final Set<ObjectName> DANGEROUS = Set.of(
            name("com.sun.management:type=DiagnosticCommand"), // jcmd: load agents, dump heaps, print properties
            name("com.sun.management:type=HotSpotDiagnostic"), // heap dumps to any path, VM flags
            name("jdk.management.jfr:type=FlightRecorder"), // writes recordings anywhere (CVE-2022-41678)
            name("java.util.logging:type=Logging")); // changes log levels

    private ManagementAccess() {}

    /**
     * MBeans no client may touch at all, not even to read: jcmd's DiagnosticCommand, HotSpotDiagnostic (heap dumps to
     * any path), the FlightRecorder (writes recordings anywhere), java.util.logging's Logging, and MLets (they load
     * classes from URLs).
     *
     * @param name an MBean's name
     * @return true when it is one of those
     */
    public static boolean isDangerous(ObjectName name) {
        return DANGEROUS.contains(name) || "MLet".equals(name.getKeyProperty("type"));
    }

    /**
     * Whether a client may read an attribute: any, except of a dangerous MBean and the Runtime MBean's system
     * properties and input arguments (they may hold secrets).
     *
     * @param name the MBean's name
     * @param attribute the attribute's name
     * @return true when the read is allowed
     */
    public static boolean mayRead(ObjectName name, String attribute) {
        if (isDangerous(name)) {
            return false;
        }
        return !(RUNTIME.equals(name) && SECRET_RUNTIME_ATTRIBUTES.contains(attribute));
    }

    /**
     * Whether a client may write an attribute: only of the mesh's own MBeans.
     *
     * @param name the MBean's name
     * @param attribute the attribute's name
     * @return true for an MBean in the {@code org.tunnelmesh} domain
     */
    public static boolean mayWrite(ObjectName name, String attribute) {
        return isMesh(name);
    }

    /**
     * Whether a client may invoke an operation: the mesh's own, the Memory MBean's {@code gc}, and the Threading MBean's
     * reads.
     *
     * @param name the MBean's name
     * @param operation the operation's name
     * @return true when the call is allowed
     */
    public static boolean mayInvoke(ObjectName name, String operation) {
        return isMesh(name)
                || (MEMORY.equals(name) && "gc".equals(operation))
                || (THREADING.equals(name) && THREAD_READS.contains(operation));
    }

    /** The JVM's arguments may carry a password, like the command line: JMX consoles get this instead. */
    public static final String HIDDEN = "(hidden by tunnelmesh: may hold secrets)";

    /**
     * Whether the attribute is read as {@link #HIDDEN} rather than refused, so a console's summary page still renders.
     *
     * @param name the MBean's name
     * @param attribute the attribute's name
     * @return true for the Runtime MBean's {@code InputArguments}
     */
    public static boolean isShownHidden(ObjectName name, String attribute) {
        return RUNTIME.equals(name) && "InputArguments".equals(attribute);
    }

    /**
     * Whether a client may listen to an MBean's notifications.
     *
     * @param name the MBean's name
     * @return true for one named MBean (not a pattern) that is not dangerous
     */
    public static boolean mayListen(ObjectName name) {
        return name != null && !name.isPattern() && !isDangerous(name);
    }

    /**
     * Whether an MBean is one of the mesh's.
     *
     * @param name the MBean's name
     * @return true for a name in the {@code org.tunnelmesh} domain (not a domain pattern)
     */
    public static boolean isMesh(ObjectName name) {
        return name != null && !name.isDomainPattern() && MESH_DOMAIN.equals(name.getDomain());
    }

    private static ObjectName name(String name) {
        try {
            return new ObjectName(name);
        } catch (MalformedObjectNameException e) {
            throw new IllegalStateException(name, e);
        }
    }
}
