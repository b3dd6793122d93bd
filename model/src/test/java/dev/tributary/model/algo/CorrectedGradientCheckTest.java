package dev.tributary.model.algo;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Finite-difference checks in double precision: for every loss and every correction, the corrected gradient
 * (dL/d log π_θ per token) against central differences of the corrected loss's value. The weights depend on π_prox
 * and π_behav only, so they must act as constants: a gradient through them would show up as a mismatch.
 */
class CorrectedGradientCheckTest {
    private static final double H = 1e-6;
    private static final PolicyLosses.Context K3 = new PolicyLosses.Context(3);
    private static final List<String> CORRECTIONS = List.of("none", "tis|cap = 1.5, level = token",
            "tis|cap = 2, level = sequence", "mis|low = 0.6, high = 1.6, level = token",
            "mis|low = 0.3, high = 3, level = sequence");

    private static OffPolicyCorrection correction(String spec) {
        String[] parts = spec.split("\\|");
        return OffPolicyCorrections.registry().create(parts[0],
                ConfigFactory.parseString(parts.length > 1 ? parts[1] : ""), K3);
    }

    private static List<PolicyLoss> losses() {
        return List.of(new Opmd(0.7, Opmd.Baseline.MEAN), new Opmd(0.4, Opmd.Baseline.LOG_SUM_EXP), new Reinforce(),
                new Grpo(0.2), new Rest(0.5), new Dpo(0.3));
    }

    /** Three groups of three off-policy samples; π_prox near π_θ, π_behav further off, one stale token masked. */
    private static LossBatch batch(SplittableRandom rng) {
        List<LossSample> samples = new ArrayList<>();
        for (int i = 0; i < 9; i++) {
            int len = 2 + rng.nextInt(4);
            double[] lp = new double[len];
            double[] prox = new double[len];
            double[] behav = new double[len];
            double[] mask = new double[len];
            for (int t = 0; t < len; t++) {
                lp[t] = -0.1 - 2.5 * rng.nextDouble();
                prox[t] = lp[t] + 0.5 * (rng.nextDouble() - 0.5);
                behav[t] = prox[t] + 1.2 * (rng.nextDouble() - 0.5);
                mask[t] = i == 4 && t == 0 ? 0 : 1;
            }
            samples.add(new LossSample("g" + i / 3, rng.nextInt(2), lp, prox, mask, behav));
        }
        return new LossBatch(samples, List.of(new LossBatch.Pair(0, 1), new LossBatch.Pair(3, 5),
                new LossBatch.Pair(8, 6)));
    }

    /** The batch with log π_θ of token t of sample i moved by {@code delta}. */
    private static LossBatch moved(LossBatch b, int i, int t, double delta) {
        List<LossSample> out = new ArrayList<>(b.samples());
        LossSample s = out.get(i);
        double[] lp = s.logProbs().clone();
        lp[t] += delta;
        out.set(i, new LossSample(s.group(), s.reward(), lp, s.refLogProbs(), s.mask(), s.behavLogProbs()));
        return new LossBatch(out, b.pairs());
    }

    /** The largest |analytic − numeric| / (1e-6 + |numeric|) over every token of the batch. */
    static double worstError(PolicyLoss loss, LossBatch b, double[][] analytic) {
        double worst = 0;
        for (int i = 0; i < b.samples().size(); i++) {
            for (int t = 0; t < b.samples().get(i).length(); t++) {
                double numeric = (loss.evaluate(moved(b, i, t, H)).loss() - loss.evaluate(moved(b, i, t, -H)).loss())
                        / (2 * H);
                worst = Math.max(worst, Math.abs(analytic[i][t] - numeric) / (1e-6 + Math.abs(numeric)));
            }
        }
        return worst;
    }

    @Test
    void everyCorrectedGradient_matchesCentralDifferences() {
        LossBatch b = batch(new SplittableRandom(17));
        int checked = 0;
        for (PolicyLoss loss : losses()) {
            for (String spec : CORRECTIONS) {
                PolicyLoss corrected = OffPolicyCorrections.corrected(loss, correction(spec));
                double err = worstError(corrected, b, corrected.evaluate(b).gradient());
                assertTrue(err < 1e-5, loss.name() + " with " + spec + ": worst relative error " + err);
                checked++;
            }
        }
        assertTrue(checked == 30);
    }

    @Test
    void theCheckHasTeeth_anUncorrectedGradientFailsIt() {
        // The weights really move every loss but DPO, so the plain gradient is not the corrected loss's gradient.
        LossBatch b = batch(new SplittableRandom(17));
        for (PolicyLoss loss : losses()) {
            if (loss instanceof Dpo) {
                continue;
            }
            PolicyLoss corrected = OffPolicyCorrections.corrected(loss, correction("tis|cap = 1.5, level = token"));
            double err = worstError(corrected, b, loss.evaluate(b).gradient());
            assertTrue(err > 1e-2, loss.name() + ": plain gradient within " + err + " of the corrected one");
        }
    }

    @Test
    void theBatchExercisesCappingMaskingAndClipping() {
        // Without these the checks above would pass on code paths that never ran.
        LossBatch b = batch(new SplittableRandom(17));
        double capped = 0;
        double dropped = 0;
        for (LossSample s : b.samples()) {
            for (double w : correction("tis|cap = 1.5, level = token").tokenWeights(s)) {
                capped += w == 1.5 ? 1 : 0;
            }
            for (double w : correction("mis|low = 0.6, high = 1.6, level = token").tokenWeights(s)) {
                dropped += w == 0 ? 1 : 0;
            }
        }
        assertTrue(capped > 0 && dropped > 0, capped + " capped, " + dropped + " dropped tokens");
        double clip = new Grpo(0.2).evaluate(b).stats().get("clip_fraction");
        assertTrue(clip > 0 && clip < 1, "clip fraction " + clip);
    }
}
