package dev.tributary.runtime.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.List;
import org.junit.jupiter.api.Test;

class QuietTransientsTest {
    private static final String ABORTED = "[outbound connection to [pekko://tributary@127.0.0.1:25521], message "
            + "stream] Upstream failed, cause: StreamTcpException: The connection has been aborted";

    private static List<String> logged(Level rootLevel) {
        LoggerContext context = new LoggerContext();
        QuietTransients filter = new QuietTransients();
        filter.setContext(context);
        filter.start();
        context.addTurboFilter(filter);
        ListAppender<ILoggingEvent> list = new ListAppender<>();
        list.setContext(context);
        list.start();
        Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        root.setLevel(rootLevel);
        root.addAppender(list);
        context.getLogger(QuietTransients.MATERIALIZER).warn(ABORTED);
        context.getLogger(QuietTransients.MATERIALIZER).warn("[my stream] Upstream failed, cause: boom");
        context.getLogger(QuietTransients.CLUSTER).warn("Cluster Node [pekko://tributary@127.0.0.1:1] - Couldn't join "
                + "seed nodes after [2] attempts, will try again. seed-nodes=[pekko://tributary@127.0.0.1:2]");
        context.getLogger(QuietTransients.CLUSTER).warn("Cluster Node [pekko://tributary@127.0.0.1:1] - Couldn't join "
                + "seed nodes after [10] attempts, will try again. seed-nodes=[pekko://tributary@127.0.0.1:2]");
        context.getLogger(QuietTransients.CLUSTER).warn("Marking node as UNREACHABLE [Member(x, Up)]");
        context.getLogger("com.example.Other").warn(ABORTED);
        return list.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
    }

    @Test
    void startAndEndTransients_areDropped_whileRealTroubleStays() {
        List<String> seen = logged(Level.WARN);
        assertEquals(4, seen.size(), String.join("\n", seen));
        assertEquals("[my stream] Upstream failed, cause: boom", seen.get(0));
        assertEquals(true, seen.get(1).contains("after [10] attempts"));
        assertEquals("Marking node as UNREACHABLE [Member(x, Up)]", seen.get(2));
        assertEquals(ABORTED, seen.get(3), "another logger's message is not touched");
    }

    @Test
    void atDebug_everythingIsKept() {
        assertEquals(6, logged(Level.DEBUG).size());
    }
}
