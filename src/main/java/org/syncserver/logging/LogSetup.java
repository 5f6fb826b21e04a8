package org.syncserver.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.core.joran.spi.JoranException;
import org.slf4j.LoggerFactory;
import org.syncserver.config.LogSettings;

import java.net.URL;

/**
 * Applies the configured log format and level once, at start: {@code logback.xml} writes plain lines,
 * {@code logback-json.xml} one JSON object a line (logback's own JsonEncoder; the access log's fields as its
 * key-value pairs).
 */
public final class LogSetup {

    /** The server's own loggers, and the access log, follow the configured level; libraries keep theirs. */
    private static final String[] OWN_LOGGERS = {"org.syncserver", "access"};

    private LogSetup() {
    }

    public static void apply(LogSettings settings) {
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        if (settings.format() == LogSettings.Format.JSON) {
            reconfigure(context, LogSetup.class.getResource("/logback-json.xml"));
        }
        for (String logger : OWN_LOGGERS) {
            context.getLogger(logger).setLevel(Level.toLevel(settings.level().name()));
        }
    }

    /** Stops logging, writing what is still queued: the last thing a stopping server does. */
    public static void stop() {
        ((LoggerContext) LoggerFactory.getILoggerFactory()).stop();
    }

    private static void reconfigure(LoggerContext context, URL configuration) {
        try {
            JoranConfigurator configurator = new JoranConfigurator();
            configurator.setContext(context);
            context.reset();
            configurator.doConfigure(configuration);
        } catch (JoranException e) {
            throw new IllegalStateException("Cannot apply " + configuration, e);
        }
    }
}
