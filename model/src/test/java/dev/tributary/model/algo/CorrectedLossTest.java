package dev.tributary.model.algo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Corrected losses against hand-computed values, and {@code none} against the uncorrected losses bit for bit. */
class CorrectedLossTest {
    private static final double EPS = 1e-12;
    private static final PolicyLosses.Context K2 = new PolicyLosses.Context(2);
    private static final List<PolicyLoss> LOSSES = List.of(new Opmd(0.5, Opmd.Baseline.MEAN),
            new Opmd(0.3, Opmd.Baseline.LOG_SUM_EXP), new Reinforce(), new Grpo(0.2), new Rest(0.5), new Dpo(0.5));

    private static OffPolicyCorrection create(String name, String settings) {
        return OffPolicyCorrections.registry().create(name, ConfigFactory.parseString(settings), K2);
    }

    private static LossSample off(String g, double r, double[] lp, double[] prox, double[] behav) {
        return new LossSample(g, r, lp, prox, null, behav);
    }

    /** Off-policy samples in two groups, one token masked, and one preference pair for DPO. */
    private static LossBatch mixed() {
        return new LossBatch(List.of(
                off("a", 1, new double[] {-1, -2}, new double[] {-1.2, -1.9}, new double[] {-1.5, -1.0}),
                new LossSample("a", 0, new double[] {-0.7, -3}, new double[] {-0.6, -2.5}, new double[] {1, 0},
                        new double[] {-0.2, -2.5}),
                off("b", 1, new double[] {-0.4}, new double[] {-0.45}, new double[] {-0.3}),
                off("b", 0, new double[] {-2, -1, -1}, new double[] {-2.1, -1, -1.3}, new double[] {-2, -1.4, -1})),
                List.of(new LossBatch.Pair(0, 1), new LossBatch.Pair(2, 3)));
    }

    @Test
    void none_equalsTheUncorrectedLossBitForBit() {
        LossBatch b = mixed();
        for (PolicyLoss loss : LOSSES) {
            LossResult plain = loss.evaluate(b);
            LossResult none = OffPolicyCorrections.corrected(loss, OffPolicyCorrections.none()).evaluate(b);
            assertEquals(Double.doubleToRawLongBits(plain.loss()), Double.doubleToRawLongBits(none.loss()),
                    loss.name());
            for (int i = 0; i < plain.gradient().length; i++) {
                assertTrue(Arrays.equals(plain.gradient()[i], none.gradient()[i]), loss.name() + " sample " + i);
            }
        }
    }

    @Test
    void onPolicySamples_tisAndMisChangeNothing_bitForBit() {
        LossBatch b = mixed();
        List<LossSample> onPolicy = b.samples().stream()
                .map(s -> new LossSample(s.group(), s.reward(), s.logProbs(), s.refLogProbs(), s.mask(),
                        s.refLogProbs().clone())).toList();
        LossBatch on = new LossBatch(onPolicy, b.pairs());
        for (PolicyLoss loss : LOSSES) {
            LossResult plain = loss.evaluate(on);
            for (String c : List.of("tis", "mis")) {
                LossResult r = OffPolicyCorrections.corrected(loss, create(c, "cap = 2, low = 0.5, high = 2, "
                        + "level = token")).evaluate(on);
                assertEquals(plain.loss(), r.loss(), 0, loss.name() + " " + c);
                assertTrue(Arrays.deepEquals(plain.gradient(), r.gradient()), loss.name() + " " + c);
            }
        }
    }

    @Test
    void reinforce_withTis_weighsEachTokensTerm() {
        // w = [min(e^0.5, 2), 1] and [e^−0.5]; advantages ±0.5, N = 2:
        // L = −(0.5·(−w00 − 2·w01) − 0.5·(−w10))/2; dL/dlogp = −A·w/N.
        double w00 = Math.exp(0.5);
        double w10 = Math.exp(-0.5);
        LossBatch b = LossBatch.of(List.of(
                off("p", 1, new double[] {-1, -2}, new double[] {-1, -2}, new double[] {-1.5, -2}),
                off("p", 0, new double[] {-1}, new double[] {-1}, new double[] {-0.5})));
        LossResult r = OffPolicyCorrections.corrected(new Reinforce(), create("tis", "cap = 2, level = token"))
                .evaluate(b);
        assertEquals(-(0.5 * (-w00 - 2) - 0.5 * -w10) / 2, r.loss(), EPS);
        assertArrayEquals(new double[] {-0.5 * w00 / 2, -0.5 / 2}, r.gradient()[0], EPS);
        assertArrayEquals(new double[] {0.5 * w10 / 2}, r.gradient()[1], EPS);
        assertEquals((w00 + 1 + w10) / 3, r.stats().get("correction_weight_mean"), EPS);
    }

    @Test
    void grpo_withMis_dropsAToken_fromTheSumAndFromTheTokenCount() {
        // Sample 1: token 0 has ρ = e^1 > 1.5 (dropped), token 1 has ρ = 1.2 (kept, weight 1.2): count 1, not 2.
        // π_θ = π_prox, so u = 1 is inside the clip band; A = ±a, a = 0.5/(0.5+1e-6); n = 2.
        // L = −(1.2·a/1/2 − 1·a/1/2) = −0.1a; gradients −0.6a (kept token), 0 (dropped), +0.5a (sample 2).
        double a = 0.5 / (0.5 + 1e-6);
        LossBatch b = LossBatch.of(List.of(
                off("p", 1, new double[] {-1, -2}, new double[] {-1, -2}, new double[] {-2, -2 - Math.log(1.2)}),
                off("p", 0, new double[] {-1}, new double[] {-1}, new double[] {-1})));
        LossResult r = OffPolicyCorrections.corrected(new Grpo(0.2),
                create("mis", "low = 0.5, high = 1.5, level = token")).evaluate(b);
        assertEquals(-0.1 * a, r.loss(), EPS);
        assertArrayEquals(new double[] {0, -0.6 * a}, r.gradient()[0], EPS);
        assertArrayEquals(new double[] {0.5 * a}, r.gradient()[1], EPS);
        assertEquals(1.0 / 3, r.stats().get("correction_zeroed_fraction"), EPS);
    }

    @Test
    void rest_withTis_averagesOverTokens_notOverWeights() {
        // Weights [2 (e^1 capped), 0.5]; 2 correct tokens: L = −(2·(−1) + 0.5·(−2))/2 = 1.5.
        LossBatch b = LossBatch.of(List.of(
                off("p", 1, new double[] {-1, -2}, new double[] {-1, -2}, new double[] {-2, -2 + Math.log(2)}),
                off("p", 0, new double[] {-3}, new double[] {-3}, new double[] {-1})));
        LossResult r = OffPolicyCorrections.corrected(new Rest(0.5), create("tis", "cap = 2, level = token"))
                .evaluate(b);
        assertEquals(1.5, r.loss(), EPS);
        assertArrayEquals(new double[] {-1, -0.25}, r.gradient()[0], EPS);
        assertArrayEquals(new double[] {0}, r.gradient()[1], EPS);
    }

    @Test
    void opmd_withTis_weighsWholeSequences_andTheBaseline() {
        // ρ1 = 3 → capped at 2, ρ2 = 0.5. τ = 0.5. Weighted mean baseline b = (2·1 + 0.5·0)/2.5 = 0.8.
        // δ1 = (−3) − (−3.5) = 0.5, e1 = 1 − 0.8 − 0.25 = −0.05; δ2 = 0, e2 = −0.8.
        // L = (2·0.0025 + 0.5·0.64)/2 = 0.1625; dL/dlogp = −2τρe/k: +0.05 (both tokens of 1), +0.2 (sample 2).
        LossBatch b = LossBatch.of(List.of(
                off("p", 1, new double[] {-1, -2}, new double[] {-1.5, -2}, new double[] {-1.5 - Math.log(3), -2}),
                off("p", 0, new double[] {-1}, new double[] {-1}, new double[] {-1 + Math.log(2)})));
        for (String level : List.of("token", "sequence")) {
            LossResult r = OffPolicyCorrections.corrected(new Opmd(0.5, Opmd.Baseline.MEAN),
                    create("tis", "cap = 2, level = " + level)).evaluate(b);
            assertEquals(0.1625, r.loss(), EPS, level);
            assertArrayEquals(new double[] {0.05, 0.05}, r.gradient()[0], EPS, level);
            assertArrayEquals(new double[] {0.2}, r.gradient()[1], EPS, level);
            assertEquals(1.25, r.stats().get("correction_weight_mean"), EPS);
        }
    }

    @Test
    void opmd_withMis_aDroppedSequenceLeavesLossGradientAndBaseline() {
        // ρ1 = 3 is outside [0.4, 2]: dropped. Baseline = sample 2's reward 0 (weight 0.5/0.5), e2 = 0: L = 0.
        LossBatch b = LossBatch.of(List.of(
                off("p", 1, new double[] {-1, -2}, new double[] {-1.5, -2}, new double[] {-1.5 - Math.log(3), -2}),
                off("p", 0, new double[] {-1}, new double[] {-1}, new double[] {-1 + Math.log(2)})));
        LossResult r = OffPolicyCorrections.corrected(new Opmd(0.5, Opmd.Baseline.MEAN),
                create("mis", "low = 0.4, high = 2, level = token")).evaluate(b);
        assertEquals(0, r.loss(), EPS);
        assertArrayEquals(new double[] {0, 0}, r.gradient()[0], EPS);
        assertArrayEquals(new double[] {0}, r.gradient()[1], EPS);
        assertEquals(0.5, r.stats().get("correction_zeroed_fraction"), EPS);
    }

    @Test
    void dpo_isLeftUnchanged_itsPairsAreNoSampleOfThePolicy() {
        LossBatch b = mixed();
        LossResult plain = new Dpo(0.5).evaluate(b);
        LossResult tis = OffPolicyCorrections.corrected(new Dpo(0.5), create("tis", "cap = 1.1, level = token"))
                .evaluate(b);
        assertEquals(plain.loss(), tis.loss(), 0);
        assertTrue(Arrays.deepEquals(plain.gradient(), tis.gradient()));
        assertEquals("dpo", OffPolicyCorrections.corrected(new Dpo(0.5), OffPolicyCorrections.none()).name());
    }
}
