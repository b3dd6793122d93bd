package dev.tributary.runtime.ops;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.spi.FilterReply;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Marker;

/**
 * Drops Pekko's warnings about what every node of a cluster run goes through when it starts and ends, unless the
 * log level is DEBUG or finer (the distribution's logging installs it):
 * <ul>
 *   <li>Artery's "[outbound connection to [pekko://…], message stream] Upstream failed, cause: StreamTcpException:
 *       The connection has been aborted", one per stream whenever a connection fails or closes: a seed node that is
 *       not up yet, a node that left. Artery reconnects by itself, and a node that is really gone is reported by
 *       the cluster's failure detector ("Marking node as UNREACHABLE"), which stays.</li>
 *   <li>"Couldn't join seed nodes after [n] attempts" before the tenth attempt (20 s with the loopback overlay):
 *       nodes started at once wait for the seed's JVM to come up; a seed that does not is still reported.</li>
 * </ul>
 */
public final class QuietTransients extends TurboFilter {
    static final String MATERIALIZER = "org.apache.pekko.stream.Materializer";
    static final String CLUSTER = "org.apache.pekko.cluster.Cluster";
    /** Join attempts the cluster may make quietly. */
    static final int QUIET_JOIN_ATTEMPTS = 10;
    private static final Pattern JOIN = Pattern.compile("Couldn't join seed nodes after \\[(\\d+)] attempts");

    @Override
    public FilterReply decide(Marker marker, Logger logger, Level level, String format, Object[] params, Throwable t) {
        if (format == null || level == null || !logger.getEffectiveLevel().isGreaterOrEqual(Level.INFO)) {
            return FilterReply.NEUTRAL;
        }
        String name = logger.getName();
        if (name.equals(MATERIALIZER)) {
            return format.startsWith("[outbound connection to ") && format.contains("StreamTcpException")
                    ? FilterReply.DENY : FilterReply.NEUTRAL;
        }
        if (name.equals(CLUSTER)) {
            Matcher m = JOIN.matcher(format);
            return m.find() && Integer.parseInt(m.group(1)) < QUIET_JOIN_ATTEMPTS ? FilterReply.DENY : FilterReply.NEUTRAL;
        }
        return FilterReply.NEUTRAL;
    }
}
