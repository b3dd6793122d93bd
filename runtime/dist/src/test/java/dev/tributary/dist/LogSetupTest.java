package dev.tributary.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.classic.encoder.JsonEncoder;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LogSetupTest {
    @Test
    void defaults_areWarnAsText_andTheEnvironmentChangesThem() {
        assertEquals(new LogSetup.Choice(Level.WARN, false), LogSetup.Choice.of(Map.of()));
        assertEquals(new LogSetup.Choice(Level.DEBUG, true), LogSetup.Choice.of(Map.of(LogSetup.LEVEL, "debug",
                LogSetup.FORMAT, "JSON")));
    }

    @Test
    void aBadValue_isNamedWithWhatWasExpected() {
        var e = assertThrows(IllegalArgumentException.class, () -> LogSetup.Choice.of(Map.of(LogSetup.LEVEL, "loud")));
        assertEquals("TRIBUTARY_LOG_LEVEL = loud: expected one of ERROR, WARN, INFO, DEBUG, TRACE, OFF", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> LogSetup.Choice.of(Map.of(LogSetup.FORMAT, "xml")));
        assertEquals("TRIBUTARY_LOG_FORMAT = xml: expected text or json", e.getMessage());
    }

    @Test
    void json_writesOneObjectPerLine() {
        LoggerContext context = new LoggerContext();
        context.setMDCAdapter(new ch.qos.logback.classic.util.LogbackMDCAdapter());
        LogSetup.apply(context, new LogSetup.Choice(Level.INFO, true));
        var root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        assertEquals(Level.INFO, root.getLevel());
        var appender = (ConsoleAppender<?>) root.getAppender("stderr");
        assertTrue(appender.getEncoder() instanceof JsonEncoder);
        var event = new ch.qos.logback.classic.spi.LoggingEvent("x", root, Level.WARN, "node {} lost", null,
                new Object[] {"\"a\""});
        String line = new String(appender.getEncoder().encode(cast(event)), java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(line.startsWith("{") && line.strip().endsWith("}") && line.strip().indexOf('\n') < 0, line);
        assertTrue(line.contains("\"level\":\"WARN\"") && line.contains("node \\\"a\\\" lost"), line);
    }

    @SuppressWarnings("unchecked")
    private static <E> E cast(Object o) {
        return (E) o;
    }
}
