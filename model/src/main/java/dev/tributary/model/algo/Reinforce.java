package dev.tributary.model.algo;

import java.util.List;
import java.util.Map;

/** REINFORCE with the group mean reward as baseline: L = −(1/N) Σ_j (r_j − r̄) log π_θ(y_j). */
public final class Reinforce implements PolicyLoss {
    @Override
    public String name() {
        return "reinforce";
    }

    @Override
    public LossResult evaluate(LossBatch b) {
        double[][] grad = b.zeroGradient();
        int n = b.samples().size();
        double loss = 0;
        for (List<Integer> g : b.groups().values()) {
            double mean = Baselines.mean(b, g);
            for (int i : g) {
                LossSample s = b.samples().get(i);
                double adv = s.reward() - mean;
                loss -= adv * s.maskedSum(s.logProbs()) / n;
                for (int t = 0; t < s.length(); t++) {
                    grad[i][t] = -adv * s.mask()[t] / n;
                }
            }
        }
        return new LossResult(loss, grad, Map.of());
    }
}
