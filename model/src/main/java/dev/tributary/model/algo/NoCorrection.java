package dev.tributary.model.algo;

import java.util.Arrays;

/** {@code none}: w = 1 for every token and sequence; the loss sees its samples as if they were on-policy. */
final class NoCorrection implements OffPolicyCorrection {
    static final NoCorrection INSTANCE = new NoCorrection();

    private NoCorrection() {
    }

    @Override
    public String name() {
        return "none";
    }

    @Override
    public double[] tokenWeights(LossSample sample) {
        double[] w = new double[sample.length()];
        Arrays.fill(w, 1.0);
        return w;
    }

    @Override
    public double sequenceWeight(LossSample sample) {
        return 1.0;
    }
}
