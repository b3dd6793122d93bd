package dev.tributary.model.algo;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A loss with an off-policy correction, built by {@link OffPolicyCorrections#corrected}. Its samples carry π_prox
 * as their reference log-probs, which every loss already uses as π_ref; the correction's weights then enter by
 * the unit of the loss's terms:
 * <ul>
 * <li>token terms (reinforce, grpo, rest, and any loss not named below): m'_t = m_t·w_t, the weights folded into
 *     the mask. Each of these losses is Σ_t c·m_t·f(log π_θ(y_t)) with c built from token counts (tokens with
 *     m > 0) and rewards only, so the folded loss is exactly the weighted objective Σ_t c·m_t·w_t·f(·) and its
 *     gradient c·m_t·w_t·f'(·) that objective's gradient; a token with w_t = 0 leaves the counts too;</li>
 * <li>sequence terms (opmd): each sample's term times the sequence weight ρ̂ (see {@link Opmd});</li>
 * <li>dpo: unchanged. DPO averages over a fixed set of preference pairs, not over samples of the policy, so
 *     there is no sampling distribution to correct.</li>
 * </ul>
 * Adds to the loss's stats the mean weight over the terms in the loss and the fraction of them weighted 0.
 */
final class CorrectedLoss implements PolicyLoss {
    /** What a correction weighs in a loss. */
    enum Unit { TOKEN, SEQUENCE, NONE }

    private final PolicyLoss loss;
    private final OffPolicyCorrection correction;

    CorrectedLoss(PolicyLoss loss, OffPolicyCorrection correction) {
        this.loss = Objects.requireNonNull(loss, "loss to correct");
        this.correction = Objects.requireNonNull(correction, "off-policy correction");
    }

    static Unit unitOf(PolicyLoss loss) {
        if (loss instanceof SequenceWeightedLoss) {
            return Unit.SEQUENCE;
        }
        return loss instanceof Dpo ? Unit.NONE : Unit.TOKEN;
    }

    @Override
    public String name() {
        return loss.name();
    }

    PolicyLoss loss() {
        return loss;
    }

    OffPolicyCorrection correction() {
        return correction;
    }

    @Override
    public LossResult evaluate(LossBatch b) {
        return switch (unitOf(loss)) {
            case NONE -> loss.evaluate(b);
            case SEQUENCE -> bySequence(b);
            case TOKEN -> byToken(b);
        };
    }

    private LossResult bySequence(LossBatch b) {
        double[] rho = new double[b.samples().size()];
        for (int i = 0; i < rho.length; i++) {
            rho[i] = correction.sequenceWeight(b.samples().get(i));
        }
        return withStats(((SequenceWeightedLoss) loss).evaluate(b, rho), rho);
    }

    private LossResult byToken(LossBatch b) {
        List<LossSample> weighted = new ArrayList<>(b.samples().size());
        List<Double> inLoss = new ArrayList<>();
        for (LossSample s : b.samples()) {
            double[] w = correction.tokenWeights(s);
            double[] mask = new double[s.length()];
            for (int t = 0; t < mask.length; t++) {
                mask[t] = s.mask()[t] * w[t];
                if (s.mask()[t] > 0) {
                    inLoss.add(w[t]);
                }
            }
            weighted.add(s.withMask(mask));
        }
        double[] weights = inLoss.stream().mapToDouble(Double::doubleValue).toArray();
        return withStats(loss.evaluate(new LossBatch(weighted, b.pairs())), weights);
    }

    private static LossResult withStats(LossResult r, double[] weights) {
        double sum = 0;
        double zero = 0;
        for (double w : weights) {
            sum += w;
            zero += w == 0 ? 1 : 0;
        }
        Map<String, Double> stats = new HashMap<>(r.stats());
        stats.put("correction_weight_mean", weights.length == 0 ? 1.0 : sum / weights.length);
        stats.put("correction_zeroed_fraction", weights.length == 0 ? 0.0 : zero / weights.length);
        return new LossResult(r.loss(), r.gradient(), stats);
    }

    @Override
    public String toString() {
        return loss.name() + " corrected by " + correction;
    }
}
