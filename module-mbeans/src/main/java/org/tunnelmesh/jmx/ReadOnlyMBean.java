package org.tunnelmesh.jmx;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.management.AttributeNotFoundException;
import javax.management.MBeanAttributeInfo;
import javax.management.MBeanException;
import javax.management.MBeanInfo;
import javax.management.ReflectionException;

/**
 * An MBean of read-only attributes (a Peer, a TunnelDevice) whose info jmxutils builds once per
 * class, not once per object: jmxutils scans every annotation of the class for each export, which
 * made registering thousands of peers cost more than routing them. Names, types and descriptions
 * are jmxutils' own; getters are called directly.
 */
final class ReadOnlyMBean extends AttributesOnlyMBean {

    private record Shape(MBeanInfo info, Map<String, Method> getters) {}

    private static final Map<Class<?>, Shape> SHAPES = new ConcurrentHashMap<>();

    private final Object managed;
    private final Shape shape;

    private ReadOnlyMBean(Object managed, Shape shape) {
        this.managed = managed;
        this.shape = shape;
    }

    /** @throws IllegalArgumentException when the class has operations or writable attributes */
    static ReadOnlyMBean of(Object managed) {
        return new ReadOnlyMBean(managed, SHAPES.computeIfAbsent(managed.getClass(), type -> shapeOf(managed)));
    }

    private static Shape shapeOf(Object sample) {
        MBeanInfo info = ImpactDeclaringMBean.buildWithJmxutils(sample).getMBeanInfo();
        if (info.getOperations().length > 0) {
            throw new IllegalArgumentException(sample.getClass().getName() + " has operations: not a read-only MBean");
        }
        Map<String, Method> getters = new HashMap<>();
        for (MBeanAttributeInfo attribute : info.getAttributes()) {
            if (attribute.isWritable()) {
                throw new IllegalArgumentException(
                        sample.getClass().getName() + "." + attribute.getName() + " is writable");
            }
            getters.put(attribute.getName(), getter(sample.getClass(), attribute));
        }
        return new Shape(info, Map.copyOf(getters));
    }

    private static Method getter(Class<?> type, MBeanAttributeInfo attribute) {
        String name = (attribute.isIs() ? "is" : "get") + attribute.getName();
        try {
            return type.getMethod(name);
        } catch (NoSuchMethodException e) {
            throw new IllegalArgumentException(
                    type.getName() + " has no public " + name + "() for attribute " + attribute.getName(), e);
        }
    }

    @Override
    public MBeanInfo getMBeanInfo() {
        return shape.info();
    }

    @Override
    public Object getAttribute(String attribute)
            throws AttributeNotFoundException, MBeanException, ReflectionException {
        Method getter = shape.getters().get(attribute);
        if (getter == null) {
            throw new AttributeNotFoundException(attribute);
        }
        try {
            return getter.invoke(managed);
        } catch (InvocationTargetException e) {
            // in standard types, as the Mesh MBean's operations: a client has none of our classes
            throw e.getCause() instanceof RuntimeException cause
                    ? ManagedMesh.rejected(cause)
                    : e.getCause() instanceof Exception cause
                            ? new MBeanException(cause, cause.getMessage())
                            : new MBeanException(new RuntimeException(e.getCause()), String.valueOf(e.getCause()));
        } catch (IllegalAccessException e) {
            throw new ReflectionException(e);
        }
    }
}
