package org.tunnelmesh.jmx;

import javax.management.Attribute;
import javax.management.AttributeList;
import javax.management.AttributeNotFoundException;
import javax.management.DynamicMBean;
import javax.management.JMException;
import javax.management.ReflectionException;

/**
 * A hand-written MBean of read-only attributes and no operations (MeshStats, Peer, TunnelDevice):
 * a subclass gives its info and one attribute by name; bulk reads, refused writes and refused
 * operations are the same for all.
 */
abstract class AttributesOnlyMBean implements DynamicMBean {

    @Override
    public AttributeList getAttributes(String[] attributes) {
        AttributeList values = new AttributeList();
        for (String attribute : attributes) {
            try {
                values.add(new Attribute(attribute, getAttribute(attribute)));
            } catch (JMException | RuntimeException e) {
                // left out, as the JMX contract of getAttributes says
            }
        }
        return values;
    }

    @Override
    public final void setAttribute(Attribute attribute) throws AttributeNotFoundException {
        throw new AttributeNotFoundException(attribute.getName() + " is read-only");
    }

    @Override
    public final AttributeList setAttributes(AttributeList attributes) {
        return new AttributeList();
    }

    @Override
    public final Object invoke(String operation, Object[] params, String[] signature) throws ReflectionException {
        throw new ReflectionException(
                new NoSuchMethodException(operation), getMBeanInfo().getClassName() + " has no operations");
    }
}
