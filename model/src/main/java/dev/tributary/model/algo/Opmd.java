package dev.tributary.model.algo;

import dev.tributary.model.Require;
import java.util.List;
import java.util.Map;

/**
 * Online policy mirror descent (Kimi k1.5 §2.3.2). Per prompt with k samples from the reference policy:
 * L = (1/k) Σ_j (r_j − b − τ·(log π_θ(y_j) − log π_ref(y_j)))², b the mean reward or τ·log mean exp(r/τ);
 * averaged over prompts. Sequence log-probs are sums over the masked response tokens.
 *
 * <p><b>Off-policy samples.</b> The report derives L for samples drawn from π_ref = π_θi, the iterate the step
 * starts from: the step's optimum π* = π_θi·exp(r/τ)/Z satisfies r − τ·log Z = τ·log(π* / π_θi) for every y, and L
 * fits that identity by least squares. In the asynchronous mode samples come from π_behav, a version up to η
 * steps older. Two things change:
 * <ul>
 * <li>π_ref becomes π_prox, the trainer's weights at the start of the step (recomputed log-probs): the mirror step
 *     is taken from the current iterate; anchoring the KL at π_behav would pull the policy back towards a stale
 *     version, by an amount that depends on how stale each sample happens to be.</li>
 * <li>The expectation is corrected: E_{y~π_prox}[e(y)²] = E_{y~π_behav}[ρ(y)·e(y)²] with
 *     ρ(y) = π_prox(y)/π_behav(y) = Π_t π_prox(y_t)/π_behav(y_t), so
 *     L = (1/k) Σ_j ρ̂_j·(r_j − b − τ·(log π_θ(y_j) − log π_prox(y_j)))², ρ̂_j the correction's sequence weight
 *     (none: 1; tis: min(ρ_j, C); mis: ρ_j·1[low ≤ ρ_j ≤ high]). The weight is per sequence, not per token:
 *     e_j depends on the sum of the sequence's token log-ratios and is squared, and the square of a sum is no sum
 *     of per-token terms, so no per-token factor corrects its expectation; only the sequence ratio does. The
 *     normaliser stays 1/k (an unbiased estimate before truncation, and token losses likewise count tokens, not
 *     weights).</li>
 * <li>The baseline estimates E_{π_prox}[r] (or τ·log E_{π_prox}[exp(r/τ)]) with the same weights, self-normalised:
 *     b = Σ ρ̂_j r_j / Σ ρ̂_j, or τ·log(Σ ρ̂_j exp(r_j/τ) / Σ ρ̂_j); with all ρ̂ = 0 the group adds nothing.</li>
 * </ul>
 * The weights are constants, so dL/d log π_θ(y_j,t) = −2τ·ρ̂_j·e_j·m_t / (k·G) over G prompts: the paper's
 * gradient with each sample's term scaled by ρ̂_j. With ρ̂ = 1 everything above is the on-policy loss, bit for bit.
 */
public final class Opmd implements SequenceWeightedLoss {
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
        double[] ones = new double[b.samples().size()];
        java.util.Arrays.fill(ones, 1.0);
        return evaluate(b, ones);
    }

    /** The loss with sample j's squared error weighted by {@code rho[j]}; see the class comment. */
    @Override
    public LossResult evaluate(LossBatch b, double[] rho) {
        if (rho.length != b.samples().size()) {
            throw new IllegalArgumentException(rho.length + " sample weights for " + b.samples().size() + " samples");
        }
        double[][] grad = b.zeroGradient();
        Map<String, List<Integer>> groups = b.groups();
        double loss = 0;
        double absRatio = 0;
        for (List<Integer> g : groups.values()) {
            double base = baseline == Baseline.MEAN ? Baselines.mean(b, g, rho) : Baselines.softMax(b, g, tau, rho);
            for (int i : g) {
                LossSample s = b.samples().get(i);
                double ratio = s.logRatio();
                double e = s.reward() - base - tau * ratio;
                loss += rho[i] * e * e / g.size();
                absRatio += Math.abs(ratio);
                double coeff = -2.0 * tau * rho[i] * e / g.size() / groups.size();
                for (int t = 0; t < s.length(); t++) {
                    grad[i][t] = coeff * s.mask()[t];
                }
            }
        }
        return new LossResult(loss / groups.size(), grad,
                Map.of("mean_abs_log_ratio", absRatio / b.samples().size()));
    }
}
