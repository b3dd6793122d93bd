package dev.tributary.runtime.internal.metrics;

import dev.tributary.runtime.metrics.IterationMetrics;
import java.util.Locale;

/**
 * One line per iteration for a terminal, e.g.
 * {@code iter  12 | reward 0.41 | held-out 63.5% | len 24.1 | 1,850 tok/s | partial 12 resumed 9 repeat 1 |
 * rollout 3.1s train 1.2s sync 0.02s}.
 */
public final class ProgressLine {
    private ProgressLine() {
    }

    public static String format(IterationMetrics m) {
        // Locale.ROOT: the same digits and separators whatever the machine's locale.
        String heldOut = m.evaluated() ? String.format(Locale.ROOT, "%.1f%%", 100 * m.heldOutAccuracy()) : "-";
        String line = String.format(Locale.ROOT,
                "iter %3d | reward %.2f | held-out %s | len %.1f | %,.0f tok/s | partial %d resumed %d repeat %d | "
                        + "rollout %.1fs train %.1fs sync %.2fs handoff %.1fms",
                m.iteration(), m.meanReward(), heldOut, m.meanResponseLength(), m.tokensPerSecond(), m.partial(),
                m.resumed(), m.repeatStopped(), m.rolloutSeconds(), m.trainSeconds(), m.syncSeconds(),
                m.handoffMillis());
        // Only off-policy training has stale tokens; the synchronous line stays as it was.
        if (m.stalenessMax() > 0 || m.droppedStale() > 0) {
            line += String.format(Locale.ROOT, " | stale p50 %d p99 %d max %d dropped %d", m.stalenessP50(),
                    m.stalenessP99(), m.stalenessMax(), m.droppedStale());
        }
        if (m.weightSwaps() > 0) {
            line += Double.isNaN(m.swapP50Millis())
                    ? String.format(Locale.ROOT, " | swaps %d max %.1fms", m.weightSwaps(), m.maxSwapMillis())
                    : String.format(Locale.ROOT, " | swaps %d p50 %.1f max %.1fms", m.weightSwaps(), m.swapP50Millis(),
                    m.maxSwapMillis());
        }
        return line;
    }
}
