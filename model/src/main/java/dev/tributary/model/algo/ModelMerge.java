package dev.tributary.model.algo;

import dev.tributary.model.PolicyVersion;
import dev.tributary.model.weights.FlatWeights;
import java.util.List;

/** long2short model merging: a weighted average of models with the same layout. */
public final class ModelMerge {
    private ModelMerge() {
    }

    /** Σ_i coefficients[i]·models[i]; coefficients must be >= 0 and sum to 1. */
    public static FlatWeights average(List<FlatWeights> models, double[] coefficients, PolicyVersion version) {
        if (models.isEmpty()) {
            throw new IllegalArgumentException("model merge needs at least one model");
        }
        if (models.size() != coefficients.length) {
            throw new IllegalArgumentException(models.size() + " models but " + coefficients.length
                    + " coefficients; expected one per model");
        }
        double sum = 0;
        for (double c : coefficients) {
            if (!(c >= 0) || Double.isInfinite(c)) {
                throw new IllegalArgumentException("merge coefficient " + c + " must be a finite number >= 0");
            }
            sum += c;
        }
        if (Math.abs(sum - 1) > 1e-6) {
            throw new IllegalArgumentException("merge coefficients sum to " + sum + "; expected 1");
        }
        FlatWeights first = models.get(0);
        for (FlatWeights m : models) {
            if (!m.layout().equals(first.layout())) {
                throw new IllegalArgumentException("cannot merge " + m + " with " + first + ": their layouts differ");
            }
        }
        float[] out = new float[first.size()];
        for (int i = 0; i < out.length; i++) {
            double v = 0;
            for (int m = 0; m < coefficients.length; m++) {
                v += coefficients[m] * models.get(m).value(i);
            }
            out[i] = (float) v;
        }
        return FlatWeights.of(version, first.layout(), out);
    }
}
