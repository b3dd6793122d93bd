package dev.tributary.model.algo;

import java.util.Map;

/**
 * ReST-style baseline from the paper's ablation: supervised log-likelihood on the samples whose reward is at least
 * {@code minReward}, averaged over their tokens; other samples get no gradient.
 */
public final class Rest implements PolicyLoss {
    private final double minReward;

    public Rest(double minReward) {
        this.minReward = minReward;
    }

    @Override
    public String name() {
        return "rest";
    }

    @Override
    public LossResult evaluate(LossBatch b) {
        double[][] grad = b.zeroGradient();
        double tokens = 0;
        for (LossSample s : b.samples()) {
            if (s.reward() >= minReward) {
                tokens += s.maskedCount();
            }
        }
        double loss = 0;
        if (tokens > 0) {
            for (int i = 0; i < b.samples().size(); i++) {
                LossSample s = b.samples().get(i);
                if (s.reward() < minReward) {
                    continue;
                }
                loss -= s.maskedSum(s.logProbs()) / tokens;
                for (int t = 0; t < s.length(); t++) {
                    grad[i][t] = -s.mask()[t] / tokens;
                }
            }
        }
        return new LossResult(loss, grad, Map.of("kept_tokens", tokens));
    }
}
