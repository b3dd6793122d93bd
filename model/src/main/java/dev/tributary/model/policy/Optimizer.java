package dev.tributary.model.policy;

import dev.tributary.model.Require;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.GradientUpdater;
import org.nd4j.linalg.learning.config.Adam;

/**
 * Adam over every parameter (ND4J's updater), with global-norm gradient clipping. Its state can be reset, as
 * the paper does at the start of each RL iteration, and exported for checkpoints.
 */
public final class Optimizer {
    /** Adam hyper-parameters and the clipping threshold (0 disables clipping). */
    public record Settings(double learningRate, double beta1, double beta2, double epsilon, double clipNorm) {
        public Settings {
            Require.positive(learningRate, "learning rate");
            Require.inRange(beta1, 0, 0.999999, "beta1");
            Require.inRange(beta2, 0, 0.999999, "beta2");
            Require.positive(epsilon, "epsilon");
            if (clipNorm < 0) {
                throw new IllegalArgumentException("gradient clip norm " + clipNorm + " must be >= 0 (0 disables)");
            }
        }

        public static Settings adam(double learningRate) {
            return new Settings(learningRate, 0.9, 0.999, 1e-8, 1.0);
        }
    }

    private final Settings settings;
    private final Map<String, INDArray> state = new LinkedHashMap<>();
    private final Map<String, GradientUpdater<?>> updaters = new LinkedHashMap<>();
    private int iteration;

    public Optimizer(Params params, Settings settings) {
        this.settings = settings;
        Adam adam = new Adam(settings.learningRate(), settings.beta1(), settings.beta2(), settings.epsilon());
        for (var e : params.arrays().entrySet()) {
            INDArray p = e.getValue();
            INDArray view = Nd4j.zeros(p.dataType(), 1, adam.stateSize(p.length()));
            state.put(e.getKey(), view);
            updaters.put(e.getKey(), adam.instantiate(view, true));
        }
    }

    public Settings settings() {
        return settings;
    }

    /**
     * Applies one step in place to {@code params} from {@code gradients}, which are consumed.
     *
     * @return the global gradient norm before clipping
     */
    public double step(Params params, Map<String, INDArray> gradients) {
        double sq = 0;
        for (INDArray g : gradients.values()) {
            double n = g.norm2Number().doubleValue();
            sq += n * n;
        }
        double norm = Math.sqrt(sq);
        if (!Double.isFinite(norm)) {
            throw new IllegalStateException("gradient norm is " + norm + "; refusing to corrupt the weights");
        }
        double scale = settings.clipNorm() > 0 && norm > settings.clipNorm() ? settings.clipNorm() / norm : 1.0;
        for (var e : gradients.entrySet()) {
            INDArray g = e.getValue();
            if (scale != 1.0) {
                g.muli(scale);
            }
            GradientUpdater<?> u = updaters.get(e.getKey());
            if (u == null) {
                throw new IllegalArgumentException("gradient for unknown parameter '" + e.getKey() + "'");
            }
            u.applyUpdater(g, iteration, 0);
            params.get(e.getKey()).subi(g);
        }
        iteration++;
        return norm;
    }

    /** Forgets the moment estimates and the bias-correction step count. */
    public void reset() {
        for (INDArray s : state.values()) {
            s.assign(0);
        }
        iteration = 0;
    }

    public int iteration() {
        return iteration;
    }

    /** The moment estimates per parameter (live views), for checkpoints. */
    public Map<String, INDArray> state() {
        return state;
    }

    /** A copy of the moment estimates per parameter as flat float vectors, for checkpoints and snapshots. */
    public Map<String, float[]> stateCopy() {
        Map<String, float[]> out = new LinkedHashMap<>();
        for (var e : state.entrySet()) {
            INDArray a = e.getValue();
            out.put(e.getKey(), a.castTo(DataType.FLOAT).reshape(a.length()).toFloatVector());
        }
        return out;
    }

    /** Restores moments and step count saved from an optimizer over the same parameters. */
    public void restore(Map<String, INDArray> saved, int savedIteration) {
        for (var e : state.entrySet()) {
            INDArray s = saved.get(e.getKey());
            if (s == null || s.length() != e.getValue().length()) {
                throw new IllegalArgumentException("optimizer state for '" + e.getKey() + "' is "
                        + (s == null ? "missing" : "of length " + s.length()) + "; expected length " + e.getValue().length());
            }
            e.getValue().assign(s.reshape(e.getValue().shape()));
        }
        this.iteration = Require.nonNegative(savedIteration, "optimizer iteration");
    }
}
