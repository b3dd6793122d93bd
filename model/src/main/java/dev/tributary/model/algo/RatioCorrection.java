package dev.tributary.model.algo;

import java.util.Arrays;

/** A correction whose weight is a function f(ρ) of the importance ratio, taken per token or per sequence. */
abstract class RatioCorrection implements OffPolicyCorrection {
    private final ImportanceRatios.Level level;

    RatioCorrection(ImportanceRatios.Level level) {
        this.level = java.util.Objects.requireNonNull(level, "correction level");
    }

    /** f(ρ) given log ρ. */
    abstract double weight(double logRatio);

    final ImportanceRatios.Level level() {
        return level;
    }

    /** Token level: w_t = f(ρ_t). Sequence level: w_t = f(ρ) on every token. Tokens outside the loss get 1. */
    @Override
    public final double[] tokenWeights(LossSample s) {
        double[] w = new double[s.length()];
        if (level == ImportanceRatios.Level.SEQUENCE) {
            Arrays.fill(w, weight(ImportanceRatios.sequenceLogRatio(s)));
        } else {
            double[] logRatios = ImportanceRatios.tokenLogRatios(s);
            for (int t = 0; t < w.length; t++) {
                w[t] = weight(logRatios[t]);
            }
        }
        for (int t = 0; t < w.length; t++) {
            w[t] = s.mask()[t] > 0 ? w[t] : 1;
        }
        return w;
    }

    /** f(ρ) of the sequence ratio, whatever the level: a sequence term has no per-token factor to take. */
    @Override
    public final double sequenceWeight(LossSample s) {
        return weight(ImportanceRatios.sequenceLogRatio(s));
    }

    @Override
    public String toString() {
        return name() + "(" + CorrectionSettings.levelName(level) + ")";
    }
}
