package dev.tributary.model.algo;

import java.util.List;

/** Per-group reward baselines. */
final class Baselines {
    private Baselines() {
    }

    static double mean(LossBatch b, List<Integer> group) {
        double s = 0;
        for (int i : group) {
            s += b.samples().get(i).reward();
        }
        return s / group.size();
    }

    /** τ·log mean exp(r/τ): the paper's estimate of τ·log Z, computed stably. */
    static double softMax(LossBatch b, List<Integer> group, double tau) {
        double max = Double.NEGATIVE_INFINITY;
        for (int i : group) {
            max = Math.max(max, b.samples().get(i).reward() / tau);
        }
        double s = 0;
        for (int i : group) {
            s += Math.exp(b.samples().get(i).reward() / tau - max);
        }
        return tau * (max + Math.log(s / group.size()));
    }

    static double std(LossBatch b, List<Integer> group, double mean) {
        double s = 0;
        for (int i : group) {
            double d = b.samples().get(i).reward() - mean;
            s += d * d;
        }
        return Math.sqrt(s / group.size());
    }
}
