package org.tunnelmesh.jmx;

import static java.lang.annotation.ElementType.PARAMETER;
import static java.lang.annotation.ElementType.TYPE;
import static java.lang.annotation.RetentionPolicy.RUNTIME;

import java.lang.annotation.Retention;
import java.lang.annotation.Target;

/**
 * Describes an MBean or an operation parameter to JMX clients. jmxutils takes the description of
 * a class or parameter from any annotation with a {@code description()} member; its own
 * {@code @Managed} covers only methods.
 */
@Retention(RUNTIME)
@Target({TYPE, PARAMETER})
public @interface ManagedDescription {
    /** {@return the text JMX clients show} */
    String description();
}
