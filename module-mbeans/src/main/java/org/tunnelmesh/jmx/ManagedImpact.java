package org.tunnelmesh.jmx;

import static java.lang.annotation.ElementType.METHOD;
import static java.lang.annotation.RetentionPolicy.RUNTIME;

import java.lang.annotation.Retention;
import java.lang.annotation.Target;
import javax.management.MBeanOperationInfo;

/**
 * The impact of a managed operation, as JConsole shows it in the operation's information:
 * {@link MBeanOperationInfo#INFO} (reads only), {@link MBeanOperationInfo#ACTION} (changes
 * something), {@link MBeanOperationInfo#ACTION_INFO} (both). jmxutils declares every operation
 * UNKNOWN; {@link ImpactDeclaringMBean} declares this value instead.
 */
@Retention(RUNTIME)
@Target(METHOD)
public @interface ManagedImpact {
    /**
     * {@return {@link MBeanOperationInfo#INFO}, {@link MBeanOperationInfo#ACTION} or
     * {@link MBeanOperationInfo#ACTION_INFO}}
     */
    int value();
}
