package org.tunnelmesh.jmx.remote;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import javax.management.Attribute;
import javax.management.AttributeList;
import javax.management.InstanceNotFoundException;
import javax.management.MBeanServer;
import javax.management.ObjectInstance;
import javax.management.ObjectName;
import javax.management.QueryExp;
import javax.management.remote.MBeanServerForwarder;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Stands between a JMX connector and the MBeanServer and applies {@link ManagementAccess}: reads
 * pass (but for secrets), invoke and write only on the mesh, nothing that creates, registers or
 * unregisters MBeans or reaches class loaders. A refusal is a {@link SecurityException} whose text
 * says what was refused, which JMX clients show as it is.
 *
 * <p>A dynamic proxy, as the JDK's own access controller is not public API: every MBeanServer
 * method not handled below is refused, so a method added to the interface later fails closed.
 */
public final class AccessControlledMBeanServer implements InvocationHandler {
    private static final Logger log = LogManager.getLogger(AccessControlledMBeanServer.class);

    /**
     * Methods that only read the MBean tree (names, infos, counts); the two class-loader lookups are
     * not remote calls (RMIConnection has none) but what the connector uses to unmarshal arguments.
     */
    private static final Set<String> TREE_READS = Set.of(
            "getMBeanInfo",
            "isRegistered",
            "getMBeanCount",
            "getDefaultDomain",
            "getDomains",
            "isInstanceOf",
            "getObjectInstance",
            "removeNotificationListener",
            "getClassLoaderFor",
            "getClassLoaderRepository");

    private MBeanServer target;

    private AccessControlledMBeanServer() {}

    /**
     * {@return a forwarder that applies {@link ManagementAccess} to every call, to put in front of a connector with
     * {@code JMXConnectorServer.setMBeanServerForwarder}}
     */
    public static MBeanServerForwarder forwarder() {
        return (MBeanServerForwarder) Proxy.newProxyInstance(
                MBeanServerForwarder.class.getClassLoader(),
                new Class<?>[] {MBeanServerForwarder.class},
                new AccessControlledMBeanServer());
    }

    @Override
    public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
        String name = method.getName();
        switch (name) {
            case "getMBeanServer":
                return target;
            case "setMBeanServer":
                if (target != null) {
                    throw new IllegalStateException("the MBeanServer is already set");
                }
                target = (MBeanServer) args[0];
                return null;
            case "hashCode":
                return System.identityHashCode(proxy);
            case "equals":
                return proxy == args[0];
            case "toString":
                return "AccessControlledMBeanServer[" + target + "]";
            default:
                break;
        }
        if (target == null) {
            throw new IllegalStateException("no MBeanServer behind the access controller yet");
        }
        if (name.equals("getAttribute") && ManagementAccess.isShownHidden((ObjectName) args[0], (String) args[1])) {
            return new String[] {ManagementAccess.HIDDEN};
        }
        if (name.equals("queryNames") || name.equals("queryMBeans")) {
            return query(name.equals("queryNames"), (ObjectName) args[0], (QueryExp) args[1], (MBeanServer) proxy);
        }
        check(name, args);
        try {
            Object result = method.invoke(target, args);
            return name.equals("getAttributes") ? readable((ObjectName) args[0], (AttributeList) result) : result;
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    private static void check(String method, Object[] args) {
        switch (method) {
            case "getAttribute" -> {
                ObjectName name = (ObjectName) args[0];
                String attribute = (String) args[1];
                if (!ManagementAccess.mayRead(name, attribute)) {
                    throw refused("reading " + name + " " + attribute);
                }
            }
            case "getAttributes" -> {
                ObjectName name = (ObjectName) args[0];
                if (ManagementAccess.isDangerous(name)) {
                    throw refused("reading " + name);
                }
            }
            case "setAttribute" -> {
                ObjectName name = (ObjectName) args[0];
                String attribute = ((Attribute) args[1]).getName();
                if (!ManagementAccess.mayWrite(name, attribute)) {
                    throw refused("writing " + name + " " + attribute + " (only " + ManagementAccess.MESH_DOMAIN
                            + " may be changed)");
                }
            }
            case "setAttributes" -> {
                ObjectName name = (ObjectName) args[0];
                for (Attribute attribute : ((AttributeList) args[1]).asList()) {
                    if (!ManagementAccess.mayWrite(name, attribute.getName())) {
                        throw refused("writing " + name + " " + attribute.getName() + " (only "
                                + ManagementAccess.MESH_DOMAIN + " may be changed)");
                    }
                }
            }
            case "invoke" -> {
                ObjectName name = (ObjectName) args[0];
                String operation = (String) args[1];
                if (!ManagementAccess.mayInvoke(name, operation)) {
                    throw refused("invoking " + name + " " + operation + " (only " + ManagementAccess.MESH_DOMAIN
                            + " operations may be invoked)");
                }
            }
            case "addNotificationListener" -> {
                ObjectName name = (ObjectName) args[0];
                if (args[1] instanceof ObjectName) {
                    // an MBean as listener would run that MBean's handleNotification on our behalf
                    throw refused("adding MBean " + args[1] + " as a listener");
                }
                if (!ManagementAccess.mayListen(name)) {
                    throw refused("listening to " + name);
                }
            }
            default -> {
                if (!TREE_READS.contains(method)) {
                    // createMBean, registerMBean, unregisterMBean, instantiate, deserialize, getClassLoader
                    throw refused(method);
                }
            }
        }
    }

    /** Bulk reads leave out what may not be read, as they leave out what cannot be. */
    private static AttributeList readable(ObjectName name, AttributeList attributes) {
        List<Attribute> kept = new ArrayList<>();
        for (Attribute attribute : attributes.asList()) {
            if (ManagementAccess.isShownHidden(name, attribute.getName())) {
                kept.add(new Attribute(attribute.getName(), new String[] {ManagementAccess.HIDDEN}));
            } else if (ManagementAccess.mayRead(name, attribute.getName())) {
                kept.add(attribute);
            }
        }
        return new AttributeList(kept);
    }

    /**
     * A query's filter reads attributes from whatever MBeanServer it is given: the real one would
     * let it test secrets a character at a time, so it is evaluated here, against this controller.
     */
    private Object query(boolean namesOnly, ObjectName pattern, QueryExp filter, MBeanServer controlled) {
        Set<ObjectName> names = target.queryNames(pattern, null);
        if (filter != null) {
            filter.setMBeanServer(controlled);
            names.removeIf(candidate -> !matches(filter, candidate));
        }
        if (namesOnly) {
            return names;
        }
        Set<ObjectInstance> instances = new HashSet<>();
        for (ObjectName candidate : names) {
            try {
                instances.add(target.getObjectInstance(candidate));
            } catch (InstanceNotFoundException gone) {
                // unregistered meanwhile
            }
        }
        return instances;
    }

    private static boolean matches(QueryExp filter, ObjectName candidate) {
        try {
            return filter.apply(candidate);
        } catch (Exception | LinkageError e) {
            return false; // as the MBeanServer itself treats a filter that fails
        }
    }

    private static SecurityException refused(String what) {
        log.warn("remote JMX: refused {}", what);
        return new SecurityException("access denied: " + what);
    }
}
