package dev.tributary.dist;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ConfiguratorRank;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.Encoder;
import ch.qos.logback.core.spi.ContextAwareBase;
import dev.tributary.runtime.ops.QuietTransients;
import java.util.Locale;
import java.util.Map;

/**
 * Logging of the distribution's JVMs (logback's configurator service, found on the distribution's classpath only):
 * warnings and errors on stderr by default, so progress lines and result tables stay readable;
 * {@code TRIBUTARY_LOG_LEVEL} (ERROR, WARN, INFO, DEBUG, TRACE, OFF) sets the level and
 * {@code TRIBUTARY_LOG_FORMAT=json} writes one JSON object per line (logback's JsonEncoder: timestamp, level, thread, logger, Pekko's MDC, the formatted message, throwable) for
 * log collectors.
 * Set up in code rather than from a logback.xml: parsing one cost about half a second of every start. A
 * {@code -Dlogback.configurationFile} given by the user still wins.
 */
@ConfiguratorRank(ConfiguratorRank.CUSTOM_HIGH_PRIORITY)
public final class LogSetup extends ContextAwareBase implements Configurator {
    static final String LEVEL = "TRIBUTARY_LOG_LEVEL";
    static final String FORMAT = "TRIBUTARY_LOG_FORMAT";

    /** The level and format the environment asks for, or a one-line message naming the bad value. */
    record Choice(Level level, boolean json) {
        static Choice of(Map<String, String> env) {
            String level = env.getOrDefault(LEVEL, "WARN").trim().toUpperCase(Locale.ROOT);
            if (!level.matches("ERROR|WARN|INFO|DEBUG|TRACE|OFF")) {
                throw new IllegalArgumentException(LEVEL + " = " + env.get(LEVEL)
                        + ": expected one of ERROR, WARN, INFO, DEBUG, TRACE, OFF");
            }
            String format = env.getOrDefault(FORMAT, "text").trim().toLowerCase(Locale.ROOT);
            if (!format.equals("text") && !format.equals("json")) {
                throw new IllegalArgumentException(FORMAT + " = " + env.get(FORMAT) + ": expected text or json");
            }
            return new Choice(Level.toLevel(level), format.equals("json"));
        }
    }

    @Override
    public ExecutionStatus configure(LoggerContext context) {
        if (System.getProperty("logback.configurationFile") != null) {
            return ExecutionStatus.INVOKE_NEXT_IF_ANY;
        }
        Choice choice;
        try {
            choice = Choice.of(System.getenv());
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage() + "; logging at WARN as text");
            choice = new Choice(Level.WARN, false);
        }
        apply(context, choice);
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }

    static void apply(LoggerContext context, Choice choice) {
        Encoder<ILoggingEvent> encoder;
        if (choice.json()) {
            JsonEncoder json = new JsonEncoder();
            json.setWithSequenceNumber(false);
            json.setWithNanoseconds(false);
            json.setWithContext(false);
            json.setWithArguments(false);
            json.setWithMessage(false);
            json.setWithFormattedMessage(true); // "Loaded [nd4j-native] backend", not its "Loaded [{}] backend"
            encoder = json;
        } else {
            PatternLayoutEncoder text = new PatternLayoutEncoder();
            text.setPattern("%d{HH:mm:ss.SSS} %-5level %logger{20} - %msg%n");
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
        QuietTransients quiet = new QuietTransients();
        quiet.setContext(context);
        quiet.start();
        context.addTurboFilter(quiet);
        // ND4J warns about duplicate TensorFlow import mappings at start-up; nothing a user can act on.
        context.getLogger("org.nd4j.imports.converters.ImportClassMapping").setLevel(Level.ERROR);
        ch.qos.logback.classic.Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.setLevel(choice.level());
        root.addAppender(stderr);
    }
}
