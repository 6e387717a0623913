package dev.sandcrate.registry.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.Encoder;
import ch.qos.logback.core.spi.ContextAwareBase;
import org.slf4j.LoggerFactory;

import java.util.Locale;
import java.util.Map;

/**
 * The program's logging (Logback, set up here rather than in a logback.xml): one line per event on stderr, as text
 * ({@code 2026-01-31T12:00:00Z INFO dev.sandcrate... - message}) or, with {@code --log-format json} or
 * {@code SANDCRATE_LOG_FORMAT=json}, as one JSON object per line (Logback's {@link JsonEncoder}: timestamp, level,
 * logger, thread, message, key-value pairs, MDC, throwable) for log collectors. Libraries that talk a lot at INFO
 * (Flyway, Jetty, Javalin) log from WARN up. Found by Logback through {@code META-INF/services}.
 */
public final class Logging extends ContextAwareBase implements Configurator {
    public enum Format { text, json }

    private static final Map<String, Level> QUIET = Map.of("org.flywaydb", Level.WARN, "org.eclipse.jetty", Level.WARN, "io.javalin", Level.WARN);
    private static volatile Format current;

    /** The format from {@code SANDCRATE_LOG_FORMAT} (or the system property {@code sandcrate.log.format}); text if unset. */
    static Format fromEnvironment() {
        String f = System.getProperty("sandcrate.log.format", System.getenv().getOrDefault("SANDCRATE_LOG_FORMAT", "text"));
        try {
            return Format.valueOf(f.strip().toLowerCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            return Format.text;
        }
    }

    @Override
    public ExecutionStatus configure(LoggerContext context) {
        install(context, fromEnvironment());
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }

    /** Switches every logger to {@code format} (a no-op when it is already in use). */
    public static synchronized void use(Format format) {
        if (format == current) return;
        if (LoggerFactory.getILoggerFactory() instanceof LoggerContext context) install(context, format);
    }

    private static synchronized void install(LoggerContext context, Format format) {
        context.reset();
        Encoder<ILoggingEvent> encoder;
        if (format == Format.json) {
            JsonEncoder json = new JsonEncoder();
            json.setWithSequenceNumber(false);
            json.setWithNanoseconds(false);
            json.setWithContext(false);
            json.setWithFormattedMessage(true); // the message with its arguments filled in, beside the template
            encoder = json;
        } else {
            PatternLayoutEncoder text = new PatternLayoutEncoder();
            text.setPattern("%d{yyyy-MM-dd'T'HH:mm:ss'Z', UTC} %level %logger - %msg%n");
            encoder = text;
        }
        encoder.setContext(context);
        encoder.start();
        ConsoleAppender<ILoggingEvent> stderr = new ConsoleAppender<>();
        stderr.setContext(context);
        stderr.setName("stderr");
        stderr.setTarget("System.err");
        stderr.setEncoder(encoder);
        stderr.start();
        ch.qos.logback.classic.Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.setLevel(Level.INFO);
        root.addAppender(stderr);
        QUIET.forEach((name, level) -> context.getLogger(name).setLevel(level));
        current = format;
    }
}
