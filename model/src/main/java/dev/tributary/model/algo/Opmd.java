package dev.tributary.model.algo;

import dev.tributary.model.Require;
import java.util.List;
import java.util.Map;

/**
 * Online policy mirror descent (Kimi k1.5 §2.3.2). Per prompt with k samples from the reference policy:
 * L = (1/k) Σ_j (r_j − b − τ·(log π_θ(y_j) − log π_ref(y_j)))², b the mean reward or τ·log mean exp(r/τ);
 * averaged over prompts. Sequence log-probs are sums over the masked response tokens.
 */
public final class Opmd implements PolicyLoss {
    /** How τ·log Z is estimated. */
    public enum Baseline { MEAN, LOG_SUM_EXP }

    private final double tau;
    private final Baseline baseline;

    public Opmd(double tau, Baseline baseline) {
        this.tau = Require.positive(tau, "opmd tau");
        this.baseline = baseline;
    }

    @Override
    public String name() {
        return "opmd";
    }

    public double tau() {
        return tau;
    }

    @Override
    public LossResult evaluate(LossBatch b) {
        double[][] grad = b.zeroGradient();
        Map<String, List<Integer>> groups = b.groups();
        double loss = 0;
        double absRatio = 0;
        for (List<Integer> g : groups.values()) {
            double base = baseline == Baseline.MEAN ? Baselines.mean(b, g) : Baselines.softMax(b, g, tau);
            for (int i : g) {
                LossSample s = b.samples().get(i);
                double ratio = s.logRatio();
                double e = s.reward() - base - tau * ratio;
                loss += e * e / g.size();
                absRatio += Math.abs(ratio);
                double coeff = -2.0 * tau * e / g.size() / groups.size();
                for (int t = 0; t < s.length(); t++) {
                    grad[i][t] = coeff * s.mask()[t];
                }
            }
        }
        return new LossResult(loss / groups.size(), grad,
                Map.of("mean_abs_log_ratio", absRatio / b.samples().size()));
    }
}
