package dev.tributary.model.algo;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The samples of one training step, and for pairwise losses (DPO) the preference pairs among them. */
public record LossBatch(List<LossSample> samples, List<Pair> pairs) {
    /** {@code chosen} is preferred over {@code rejected}; both index into {@code samples}. */
    public record Pair(int chosen, int rejected) {
    }

    public LossBatch {
        samples = List.copyOf(samples);
        pairs = List.copyOf(pairs);
        if (samples.isEmpty()) {
            throw new IllegalArgumentException("a loss batch needs at least one sample");
        }
        for (Pair p : pairs) {
            if (p.chosen() < 0 || p.chosen() >= samples.size() || p.rejected() < 0 || p.rejected() >= samples.size()
                    || p.chosen() == p.rejected()) {
                throw new IllegalArgumentException("pair " + p + " must name two different samples in [0, "
                        + samples.size() + ")");
            }
        }
    }

    public static LossBatch of(List<LossSample> samples) {
        return new LossBatch(samples, List.of());
    }

    /** Sample indices by group, in first-seen order. */
    Map<String, List<Integer>> groups() {
        Map<String, List<Integer>> g = new LinkedHashMap<>();
        for (int i = 0; i < samples.size(); i++) {
            g.computeIfAbsent(samples.get(i).group(), k -> new ArrayList<>()).add(i);
        }
        return g;
    }

    double[][] zeroGradient() {
        double[][] g = new double[samples.size()][];
        for (int i = 0; i < samples.size(); i++) {
            g[i] = new double[samples.get(i).length()];
        }
        return g;
    }
}
