package dev.tributary.model.algo;

import dev.tributary.model.Require;
import java.util.Map;

/**
 * Direct preference optimisation over the batch's pairs: L = −mean log σ(β·(Δ_chosen − Δ_rejected)), with
 * Δ = log π_θ(y) − log π_ref(y) summed over masked tokens.
 */
public final class Dpo implements PolicyLoss {
    private final double beta;

    public Dpo(double beta) {
        this.beta = Require.positive(beta, "dpo beta");
    }

    @Override
    public String name() {
        return "dpo";
    }

    @Override
    public LossResult evaluate(LossBatch b) {
        if (b.pairs().isEmpty()) {
            throw new IllegalArgumentException("dpo needs preference pairs; the batch of " + b.samples().size()
                    + " samples has none");
        }
        double[][] grad = b.zeroGradient();
        double loss = 0;
        double correctOrder = 0;
        int p = b.pairs().size();
        for (LossBatch.Pair pair : b.pairs()) {
            LossSample c = b.samples().get(pair.chosen());
            LossSample r = b.samples().get(pair.rejected());
            double z = beta * (c.logRatio() - r.logRatio());
            loss += softplus(-z) / p;
            correctOrder += z > 0 ? 1 : 0;
            double dz = -sigmoid(-z) / p;
            for (int t = 0; t < c.length(); t++) {
                grad[pair.chosen()][t] += dz * beta * c.mask()[t];
            }
            for (int t = 0; t < r.length(); t++) {
                grad[pair.rejected()][t] -= dz * beta * r.mask()[t];
            }
        }
        return new LossResult(loss, grad, Map.of("pair_accuracy", correctOrder / p));
    }

    static double softplus(double x) {
        return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
    }

    static double sigmoid(double x) {
        return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
    }
}
