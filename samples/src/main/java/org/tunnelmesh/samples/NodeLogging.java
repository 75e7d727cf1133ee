package org.tunnelmesh.samples;

import java.io.PrintStream;
import java.net.URI;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.util.Map;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.Marker;
import org.apache.logging.log4j.message.Message;
import org.apache.logging.log4j.message.MessageFactory;
import org.apache.logging.log4j.simple.SimpleLogger;
import org.apache.logging.log4j.spi.ExtendedLogger;
import org.apache.logging.log4j.spi.LoggerContext;
import org.apache.logging.log4j.spi.LoggerContextFactory;
import org.apache.logging.log4j.spi.LoggerRegistry;
import org.apache.logging.log4j.util.PropertiesUtil;

/**
 * The node's logging: log4j's API, written to stderr in the jar's {@code log4j2.xml} format and levels
 * ({@code org.tunnelmesh} at INFO, everything else at WARN), without starting log4j-core. log4j-core
 * loads every one of its ~500 plugin classes when it starts, which took 0.6 s of a 3.0 s node start in
 * the lab, the largest single part of the start beyond the JVM's own (Jolokia's agent was next, at 0.55 s).
 *
 * <p>An operator who wants more (a file, other levels) gives {@code -Dlog4j2.configurationFile}: then
 * log4j-core, which is in the jar, does the logging with that configuration.
 */
final class NodeLogging {
    static final String CONTEXT_FACTORY = "log4j2.loggerContextFactory";

    private NodeLogging() {}

    /** Called by {@code main} before the first logger exists: log4j's API picks its backend once. */
    static void install() {
        if (wantsLog4jCore(System.getProperties(), System.getenv())) {
            return;
        }
        System.setProperty(CONTEXT_FACTORY, StderrContextFactory.class.getName());
    }

    /** A log4j configuration (or another backend) chosen by the operator, as log4j itself reads them. */
    static boolean wantsLog4jCore(Map<?, ?> properties, Map<String, String> environment) {
        return properties.get("log4j2.configurationFile") != null
                || properties.get("log4j.configurationFile") != null
                || properties.get(CONTEXT_FACTORY) != null
                || environment.get("LOG4J_CONFIGURATION_FILE") != null;
    }

    /** The level a logger gets: the node's own at INFO, libraries' at WARN (as the jar's log4j2.xml). */
    static Level levelOf(String loggerName) {
        return loggerName.equals("org.tunnelmesh") || loggerName.startsWith("org.tunnelmesh.")
                ? Level.INFO
                : Level.WARN;
    }

    /** One line as log4j2.xml's pattern {@code %d{ISO8601} %-5level [%t] %c{1} - %msg%n} writes it. */
    static String line(LocalDateTime time, Level level, String thread, String loggerName, String message) {
        StringBuilder line = new StringBuilder(64 + message.length());
        line.append(time.getYear()).append('-');
        twoDigits(line, time.getMonthValue()).append('-');
        twoDigits(line, time.getDayOfMonth()).append('T');
        twoDigits(line, time.getHour()).append(':');
        twoDigits(line, time.getMinute()).append(':');
        twoDigits(line, time.getSecond()).append(',');
        int millis = time.getNano() / 1_000_000;
        line.append((char) ('0' + millis / 100))
                .append((char) ('0' + millis / 10 % 10))
                .append((char) ('0' + millis % 10))
                .append(' ');
        String name = level.name();
        line.append(name);
        for (int i = name.length(); i < 5; i++) {
            line.append(' ');
        }
        line.append(" [")
                .append(thread)
                .append("] ")
                .append(loggerName, loggerName.lastIndexOf('.') + 1, loggerName.length())
                .append(" - ")
                .append(message)
                .append(System.lineSeparator());
        return line.toString();
    }

    private static StringBuilder twoDigits(StringBuilder to, int value) {
        return to.append((char) ('0' + value / 10)).append((char) ('0' + value % 10));
    }

    /** log4j-api's SimpleLogger (levels, message formatting) with the node's line format. */
    static final class StderrLogger extends SimpleLogger {
        private static final long serialVersionUID = 1L;
        // local time, as log4j-core's %d{ISO8601}
        private static final ZoneId ZONE = ZoneId.systemDefault();
        private final transient PrintStream out;

        StderrLogger(String name, MessageFactory messageFactory, PrintStream out) {
            // no date format of SimpleLogger's own (java.text's would load locale data): line() writes the time
            super(
                    name,
                    levelOf(name),
                    false,
                    false,
                    false,
                    false,
                    null,
                    messageFactory,
                    PropertiesUtil.getProperties(),
                    out);
            this.out = out;
        }

        @Override
        public void logMessage(String fqcn, Level level, Marker marker, Message message, Throwable throwable) {
            String line = line(
                    LocalDateTime.now(ZONE),
                    level,
                    Thread.currentThread().getName(),
                    getName(),
                    message.getFormattedMessage());
            synchronized (out) {
                out.print(line);
                Throwable thrown = throwable != null ? throwable : message.getThrowable();
                if (thrown != null) {
                    thrown.printStackTrace(out);
                }
                out.flush();
            }
        }
    }

    /** The one context of the node's loggers. */
    static final class StderrContext implements LoggerContext {
        private final LoggerRegistry<ExtendedLogger> loggers = new LoggerRegistry<>();
        private final PrintStream out;

        StderrContext(PrintStream out) {
            this.out = out;
        }

        @Override
        public ExtendedLogger getLogger(String name) {
            return getLogger(name, null);
        }

        @Override
        public ExtendedLogger getLogger(String name, MessageFactory messageFactory) {
            ExtendedLogger logger = loggers.getLogger(name, messageFactory);
            if (logger == null) {
                loggers.putIfAbsent(name, messageFactory, new StderrLogger(name, messageFactory, out));
                logger = loggers.getLogger(name, messageFactory);
            }
            return logger;
        }

        @Override
        public Object getExternalContext() {
            return null;
        }

        @Override
        public boolean hasLogger(String name) {
            return loggers.hasLogger(name);
        }

        @Override
        public boolean hasLogger(String name, MessageFactory messageFactory) {
            return loggers.hasLogger(name, messageFactory);
        }

        @Override
        public boolean hasLogger(String name, Class<? extends MessageFactory> messageFactoryClass) {
            return loggers.hasLogger(name, messageFactoryClass);
        }
    }

    /** Named by {@link #install()} as log4j's {@code log4j2.loggerContextFactory}; log4j makes it by reflection. */
    public static final class StderrContextFactory implements LoggerContextFactory {
        private static final StderrContext CONTEXT = new StderrContext(System.err);

        @Override
        public LoggerContext getContext(
                String fqcn, ClassLoader loader, Object externalContext, boolean currentContext) {
            return CONTEXT;
        }

        @Override
        public LoggerContext getContext(
                String fqcn,
                ClassLoader loader,
                Object externalContext,
                boolean currentContext,
                URI configLocation,
                String name) {
            return CONTEXT;
        }

        @Override
        public void removeContext(LoggerContext context) {
            // one context for the life of the process
        }

        @Override
        public boolean isClassLoaderDependent() {
            return false;
        }
    }
}
