package dev.tributary.actors.sampling;

import java.util.HashMap;
import java.util.Map;

/** Per-prompt success counts, shared by every sampler so that any of them can be checkpointed the same way. */
final class SuccessStats {
    private final Map<String, double[]> counts = new HashMap<>();

    void record(String id, double successes, double attempts) {
        if (attempts <= 0 || successes < 0 || successes > attempts) {
            throw new IllegalArgumentException("prompt '" + id + "': " + successes + " successes of " + attempts
                    + " attempts; expected 0 <= successes <= attempts and attempts > 0");
        }
        double[] c = counts.computeIfAbsent(id, k -> new double[2]);
        c[0] += successes;
        c[1] += attempts;
    }

    /** Tracked success rate; an unseen prompt counts as unsolved (rate 0), so it is sampled eagerly. */
    double rate(String id) {
        double[] c = counts.get(id);
        return c == null ? 0 : c[0] / c[1];
    }

    Map<String, double[]> snapshot() {
        Map<String, double[]> out = new HashMap<>();
        counts.forEach((k, v) -> out.put(k, v.clone()));
        return out;
    }

    void restore(Map<String, double[]> s) {
        counts.clear();
        s.forEach((k, v) -> counts.put(k, v.clone()));
    }
}
