package dev.tributary.model.algo;

import java.util.List;

/**
 * Per-group reward baselines. The weighted forms take per-sample importance weights (index = sample index) and are
 * self-normalised; weights all 1 give the unweighted value bit for bit, and a group whose weights sum to 0 falls
 * back to the unweighted value (its samples then add nothing to a weighted loss anyway).
 */
final class Baselines {
    private Baselines() {
    }

    static double mean(LossBatch b, List<Integer> group) {
        return mean(b, group, null);
    }

    /** Σ w·r / Σ w over the group. */
    static double mean(LossBatch b, List<Integer> group, double[] weights) {
        double[] w = groupWeights(weights, group);
        double s = 0;
        double n = 0;
        for (int k = 0; k < w.length; k++) {
            s += w[k] * b.samples().get(group.get(k)).reward();
            n += w[k];
        }
        return s / n;
    }

    static double softMax(LossBatch b, List<Integer> group, double tau) {
        return softMax(b, group, tau, null);
    }

    /** τ·log(Σ w·exp(r/τ) / Σ w): the paper's estimate of τ·log Z, computed stably. */
    static double softMax(LossBatch b, List<Integer> group, double tau, double[] weights) {
        double max = Double.NEGATIVE_INFINITY;
        for (int i : group) {
            max = Math.max(max, b.samples().get(i).reward() / tau);
        }
        double[] w = groupWeights(weights, group);
        double s = 0;
        double n = 0;
        for (int k = 0; k < w.length; k++) {
            s += w[k] * Math.exp(b.samples().get(group.get(k)).reward() / tau - max);
            n += w[k];
        }
        return tau * (max + Math.log(s / n));
    }

    static double std(LossBatch b, List<Integer> group, double mean) {
        double s = 0;
        for (int i : group) {
            double d = b.samples().get(i).reward() - mean;
            s += d * d;
        }
        return Math.sqrt(s / group.size());
    }

    /** The group's weights in group order; all 1 when there are none or they sum to 0. */
    private static double[] groupWeights(double[] weights, List<Integer> group) {
        double[] w = new double[group.size()];
        double total = 0;
        for (int k = 0; k < w.length; k++) {
            w[k] = weights == null ? 1.0 : weights[group.get(k)];
            total += w[k];
        }
        if (!(total > 0)) {
            java.util.Arrays.fill(w, 1.0);
        }
        return w;
    }
}
