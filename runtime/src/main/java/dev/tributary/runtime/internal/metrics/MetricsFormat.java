package dev.tributary.runtime.internal.metrics;

import dev.tributary.runtime.metrics.IterationMetrics;
import java.util.Locale;

/** The CSV and JSON renderings of {@link IterationMetrics}; NaN is an empty CSV field and a JSON null. */
final class MetricsFormat {
    static final String[] COLUMNS = {"iteration", "mean_reward", "held_out_accuracy", "mean_response_length",
        "tokens_per_second", "partial", "resumed", "repeat_stopped", "rollout_seconds", "train_seconds",
        "sync_seconds", "handoff_millis", "trained_samples", "worker_busy_fraction", "slot_occupancy", "seconds",
        "staleness_p50", "staleness_p99", "staleness_max", "dropped_stale", "weight_swaps", "max_swap_millis",
        "swap_p50_millis", "swap_p99_millis"};
    /** The column counts of earlier versions: before the weight-swap columns, and before the swap percentiles. */
    static final java.util.List<Integer> OLD_COLUMNS = java.util.List.of(20, 22);
    static final String CSV_HEADER = String.join(",", COLUMNS);
    /** The headers of files of earlier versions (read, and rewritten with the new columns). */
    static final java.util.List<String> OLD_CSV_HEADERS = OLD_COLUMNS.stream()
            .map(n -> String.join(",", java.util.Arrays.copyOf(COLUMNS, n))).toList();

    private MetricsFormat() {
    }

    static Object[] values(IterationMetrics m) {
        return new Object[] {m.iteration(), m.meanReward(), m.heldOutAccuracy(), m.meanResponseLength(),
            m.tokensPerSecond(), m.partial(), m.resumed(), m.repeatStopped(), m.rolloutSeconds(), m.trainSeconds(),
            m.syncSeconds(), m.handoffMillis(), m.trainedSamples(), m.workerBusyFraction(), m.slotOccupancy(),
            m.seconds(), m.stalenessP50(), m.stalenessP99(), m.stalenessMax(), m.droppedStale(), m.weightSwaps(),
            m.maxSwapMillis(), m.swapP50Millis(), m.swapP99Millis()};
    }

    static String csvRow(IterationMetrics m) {
        StringBuilder b = new StringBuilder();
        for (Object v : values(m)) {
            if (b.length() > 0) {
                b.append(',');
            }
            b.append(v instanceof Double d && d.isNaN() ? "" : render(v));
        }
        return b.toString();
    }

    static String json(IterationMetrics m) {
        Object[] v = values(m);
        StringBuilder b = new StringBuilder("{");
        for (int i = 0; i < v.length; i++) {
            b.append(i == 0 ? "" : ",").append('"').append(COLUMNS[i]).append("\":");
            b.append(v[i] instanceof Double d && d.isNaN() ? "null" : render(v[i]));
        }
        return b.append('}').toString();
    }

    static IterationMetrics parseCsvRow(String line, String where) {
        String[] f = line.split(",", -1);
        if (f.length != COLUMNS.length && !OLD_COLUMNS.contains(f.length)) {
            throw new IllegalArgumentException(where + " has " + f.length + " fields; expected " + COLUMNS.length);
        }
        boolean swaps = f.length >= 22;
        boolean quantiles = f.length >= 24;
        try {
            return new IterationMetrics(Integer.parseInt(f[0]), d(f[1]), d(f[2]), d(f[3]), d(f[4]),
                    Integer.parseInt(f[5]), Integer.parseInt(f[6]), Integer.parseInt(f[7]), d(f[8]), d(f[9]), d(f[10]),
                    d(f[11]), Integer.parseInt(f[12]), d(f[13]), d(f[14]), d(f[15]), Integer.parseInt(f[16]),
                    Integer.parseInt(f[17]), Integer.parseInt(f[18]), Integer.parseInt(f[19]),
                    swaps ? Integer.parseInt(f[20]) : 0, swaps ? d(f[21]) : 0, quantiles ? d(f[22]) : Double.NaN,
                    quantiles ? d(f[23]) : Double.NaN);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where + " is not a valid metrics row: " + e.getMessage(), e);
        }
    }

    private static double d(String s) {
        return s.isEmpty() ? Double.NaN : Double.parseDouble(s);
    }

    // Double.toString round-trips exactly and never uses a locale's decimal comma.
    private static String render(Object v) {
        return v instanceof Double d ? Double.toString(d) : String.valueOf(v).toLowerCase(Locale.ROOT);
    }
}
