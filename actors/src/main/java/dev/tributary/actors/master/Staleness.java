package dev.tributary.actors.master;

import dev.tributary.model.PolicyVersion;
import dev.tributary.model.Segment;
import dev.tributary.model.Trajectory;
import dev.tributary.streams.serialization.RemoteMessage;
import java.util.TreeMap;

/**
 * How old the trained tokens were: for each token, the version trained minus the version that generated it;
 * percentiles over one training step's tokens, and the samples dropped for being older than the bound.
 * Synchronous training has {@link #NONE}: every token is from the version trained.
 */
public record Staleness(int p50, int p99, int max, int droppedSamples) implements RemoteMessage {
    public static final Staleness NONE = new Staleness(0, 0, 0, 0);

    public Staleness {
        if (p50 < 0 || p99 < p50 || max < p99 || droppedSamples < 0) {
            throw new IllegalArgumentException("staleness p50 " + p50 + ", p99 " + p99 + ", max " + max + ", dropped "
                    + droppedSamples + " must be ordered and >= 0");
        }
    }

    /** Versions between {@code trainedAt} and the oldest segment of {@code t} (0 for a sample without any). */
    static long of(Trajectory t, PolicyVersion trainedAt) {
        long oldest = t.segments().stream().mapToLong(Segment::policyVersion).min().orElse(trainedAt.number());
        return Math.max(0, trainedAt.number() - oldest);
    }

    /** Counts tokens by staleness. */
    static final class Builder {
        private final TreeMap<Long, Long> tokensByAge = new TreeMap<>();
        private long tokens;

        void add(Trajectory t, PolicyVersion trainedAt) {
            for (Segment s : t.segments()) {
                long age = Math.max(0, trainedAt.number() - s.policyVersion());
                tokensByAge.merge(age, (long) s.length(), Long::sum);
                tokens += s.length();
            }
        }

        Staleness build(int dropped) {
            return new Staleness(percentile(0.50), percentile(0.99), tokensByAge.isEmpty() ? 0
                    : tokensByAge.lastKey().intValue(), dropped);
        }

        private int percentile(double q) {
            long seen = 0;
            for (var e : tokensByAge.entrySet()) {
                seen += e.getValue();
                if (seen >= Math.ceil(q * tokens)) {
                    return e.getKey().intValue();
                }
            }
            return 0;
        }
    }
}
