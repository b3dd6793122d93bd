package dev.tributary.model.algo;

import dev.tributary.model.Require;
import java.util.List;
import java.util.Map;

/**
 * GRPO: group-normalised advantage A = (r − mean)/(std + 1e-6) and a PPO-clipped per-token ratio against the
 * reference (sampling) policy, averaged over each sequence's tokens and then over sequences. No KL term.
 */
public final class Grpo implements PolicyLoss {
    private static final double STD_EPS = 1e-6;
    private final double clip;

    public Grpo(double clip) {
        this.clip = Require.inRange(clip, 1e-6, 1.0, "grpo clip epsilon");
    }

    @Override
    public String name() {
        return "grpo";
    }

    @Override
    public LossResult evaluate(LossBatch b) {
        double[][] grad = b.zeroGradient();
        int n = b.samples().size();
        double loss = 0;
        double clipped = 0;
        double tokens = 0;
        for (List<Integer> g : b.groups().values()) {
            double mean = Baselines.mean(b, g);
            double std = Baselines.std(b, g, mean);
            for (int i : g) {
                LossSample s = b.samples().get(i);
                double count = s.maskedCount();
                if (count == 0) {
                    continue;
                }
                double adv = (s.reward() - mean) / (std + STD_EPS);
                for (int t = 0; t < s.length(); t++) {
                    if (s.mask()[t] == 0) {
                        continue;
                    }
                    double ratio = Math.exp(s.logProbs()[t] - s.refLogProbs()[t]);
                    double bounded = Math.max(1 - clip, Math.min(1 + clip, ratio));
                    double unclippedTerm = ratio * adv;
                    double clippedTerm = bounded * adv;
                    boolean useClipped = clippedTerm < unclippedTerm;
                    double w = s.mask()[t] / count / n;
                    loss -= w * Math.min(unclippedTerm, clippedTerm);
                    // The clipped branch is constant in θ when it is the minimum and the ratio is outside the band.
                    grad[i][t] = useClipped ? 0 : -w * unclippedTerm;
                    clipped += useClipped ? 1 : 0;
                    tokens++;
                }
            }
        }
        return new LossResult(loss, grad, Map.of("clip_fraction", tokens == 0 ? 0 : clipped / tokens));
    }
}
