package dev.tributary.model.algo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Every loss against values computed by hand (see the comments for the arithmetic). */
class LossesTest {
    private static final double EPS = 1e-9;

    private static LossSample s(String g, double r, double[] lp, double[] ref) {
        return LossSample.of(g, r, lp, ref);
    }

    @Test
    void opmd_meanBaseline_matchesHandComputedLossAndGradient() {
        // τ=0.5, r̄=0.5; δ1 = (−1−2) − (−1.5−2) = 0.5, δ2 = 0; e1 = 1−0.5−0.25 = 0.25, e2 = −0.5.
        // L = (0.25² + 0.5²)/2 = 0.15625; dL/dlogp = −2τe/k: −0.125 (sample 1), +0.25 (sample 2).
        LossBatch b = LossBatch.of(List.of(
                s("p", 1, new double[] {-1, -2}, new double[] {-1.5, -2}),
                s("p", 0, new double[] {-1}, new double[] {-1})));
        LossResult r = new Opmd(0.5, Opmd.Baseline.MEAN).evaluate(b);
        assertEquals(0.15625, r.loss(), EPS);
        assertArrayEquals(new double[] {-0.125, -0.125}, r.gradient()[0], EPS);
        assertArrayEquals(new double[] {0.25}, r.gradient()[1], EPS);
    }

    @Test
    void opmd_averagesOverGroups_andLogSumExpBaseline() {
        // Baseline τ·log((e^{1/τ} + e^0)/2) with τ=0.5 = 0.5·log((e²+1)/2) = 0.716893...
        double base = 0.5 * Math.log((Math.exp(2) + 1) / 2);
        LossBatch b = LossBatch.of(List.of(
                s("a", 1, new double[] {-1}, new double[] {-1}),
                s("a", 0, new double[] {-1}, new double[] {-1}),
                s("b", 1, new double[] {-2}, new double[] {-2})));
        LossResult r = new Opmd(0.5, Opmd.Baseline.LOG_SUM_EXP).evaluate(b);
        double groupA = (Math.pow(1 - base, 2) + Math.pow(-base, 2)) / 2;
        double groupB = 0; // one sample: baseline = its own reward, no ratio
        assertEquals((groupA + groupB) / 2, r.loss(), 1e-12);
        assertEquals(-2 * 0.5 * (1 - base) / 2 / 2, r.gradient()[0][0], 1e-12);
        assertEquals(0, r.gradient()[2][0], 1e-12);
    }

    @Test
    void opmd_maskExcludesTokensFromRatioAndGradient() {
        double[] mask = {1, 0};
        LossBatch b = LossBatch.of(List.of(
                new LossSample("p", 1, new double[] {-1, -5}, new double[] {-1, -1}, mask),
                s("p", 0, new double[] {-1}, new double[] {-1})));
        LossResult r = new Opmd(0.5, Opmd.Baseline.MEAN).evaluate(b);
        // The masked token's −4 log-ratio is ignored: e1 = 0.5, e2 = −0.5 → L = 0.25.
        assertEquals(0.25, r.loss(), EPS);
        assertEquals(0, r.gradient()[0][1], EPS);
        assertEquals(-2 * 0.5 * 0.5 / 2, r.gradient()[0][0], EPS);
    }

    @Test
    void reinforce_matchesHandComputed() {
        // Advantages ±0.5, N=2: L = −(0.5·(−3) + (−0.5)·(−1))/2 = 0.5; grads ∓0.25.
        LossBatch b = LossBatch.of(List.of(
                s("p", 1, new double[] {-1, -2}, new double[] {0, 0}),
                s("p", 0, new double[] {-1}, new double[] {0})));
        LossResult r = new Reinforce().evaluate(b);
        assertEquals(0.5, r.loss(), EPS);
        assertArrayEquals(new double[] {-0.25, -0.25}, r.gradient()[0], EPS);
        assertArrayEquals(new double[] {0.25}, r.gradient()[1], EPS);
    }

    @Test
    void grpo_clipsOutsideTheTrustRegion() {
        // A = ±1/(0.5+1e-6). Sample 1: ratio e^0.5 > 1.2 with A > 0 → clipped, no gradient, objective 1.2·A.
        // Sample 2: ratio e^−0.1 in band, A < 0 → objective ratio·A, gradient −ratio·A/2.
        LossBatch b = LossBatch.of(List.of(
                s("p", 1, new double[] {-1}, new double[] {-1.5}),
                s("p", 0, new double[] {-1}, new double[] {-0.9})));
        LossResult r = new Grpo(0.2).evaluate(b);
        double a = 0.5 / (0.5 + 1e-6);
        double ratio2 = Math.exp(-0.1);
        assertEquals(-(1.2 * a / 2 + ratio2 * -a / 2), r.loss(), 1e-12);
        assertEquals(0, r.gradient()[0][0], 1e-12);
        assertEquals(-(ratio2 * -a) / 2, r.gradient()[1][0], 1e-12);
        assertEquals(0.5, r.stats().get("clip_fraction"), 1e-12);
    }

    @Test
    void rest_trainsOnCorrectSamplesOnly() {
        // Correct tokens: 2 + 1 = 3; L = −(−3 − 0.5)/3.
        LossBatch b = LossBatch.of(List.of(
                s("p", 1, new double[] {-1, -2}, new double[] {0, 0}),
                s("p", 0, new double[] {-3}, new double[] {0}),
                s("q", 1, new double[] {-0.5}, new double[] {0})));
        LossResult r = new Rest(0.5).evaluate(b);
        assertEquals(3.5 / 3, r.loss(), EPS);
        assertArrayEquals(new double[] {-1.0 / 3, -1.0 / 3}, r.gradient()[0], EPS);
        assertArrayEquals(new double[] {0}, r.gradient()[1], EPS);
    }

    @Test
    void dpo_matchesHandComputed() {
        // Δc = 1, Δr = −1, β = 0.5 → z = 1; L = log(1+e^−1) = 0.313262; dL/dz = −σ(−1) = −0.268941.
        LossBatch b = new LossBatch(List.of(
                s("p", 1, new double[] {-1}, new double[] {-2}),
                s("p", 0, new double[] {-2}, new double[] {-1})), List.of(new LossBatch.Pair(0, 1)));
        LossResult r = new Dpo(0.5).evaluate(b);
        assertEquals(Math.log1p(Math.exp(-1)), r.loss(), 1e-12);
        double sig = 1 / (1 + Math.exp(1));
        assertEquals(-sig * 0.5, r.gradient()[0][0], 1e-12);
        assertEquals(sig * 0.5, r.gradient()[1][0], 1e-12);
        var e = assertThrows(IllegalArgumentException.class, () -> new Dpo(0.5).evaluate(LossBatch.of(b.samples())));
        assertTrue(e.getMessage().contains("dpo needs preference pairs"), e.getMessage());
    }

    @Test
    void lengthPenalty_asInThePaper() {
        // min 10, max 30: λ = 0.5, 0, −0.5; the wrong middle one gets min(0, 0) = 0.
        assertArrayEquals(new double[] {0.5, 0, -0.5},
                LengthPenalty.compute(new int[] {10, 20, 30}, new boolean[] {true, false, true}), EPS);
        // A wrong short answer is not rewarded for brevity: min(0, 0.5) = 0.
        assertArrayEquals(new double[] {0, -0.5},
                LengthPenalty.compute(new int[] {10, 30}, new boolean[] {false, true}), EPS);
        assertArrayEquals(new double[] {0, 0, 0},
                LengthPenalty.compute(new int[] {7, 7, 7}, new boolean[] {true, false, true}), EPS);
        var e = assertThrows(IllegalArgumentException.class,
                () -> LengthPenalty.compute(new int[] {1, 2}, new boolean[] {true}));
        assertTrue(e.getMessage().contains("2 lengths but 1 correctness flags"), e.getMessage());
    }

    @Test
    void long2short_shortestRejectionAndDpoPairs() {
        int[] len = {10, 12, 20, 8};
        boolean[] ok = {true, true, true, false};
        assertEquals(0, Long2Short.shortestCorrect(len, ok));
        assertEquals(-1, Long2Short.shortestCorrect(len, new boolean[4]));
        // Negatives: the wrong one (8) and the correct one at >= 1.5 × 10; not the correct 12.
        assertEquals(List.of(new LossBatch.Pair(0, 2), new LossBatch.Pair(0, 3)), Long2Short.dpoPairs(len, ok, 1.5));
    }

    private static final PolicyLosses.Context K4 = new PolicyLosses.Context(4);

    @Test
    void registry_createsByName_andRejectsUnknownAndDuplicateNames() {
        var reg = PolicyLosses.registry();
        var algo = ConfigFactory.load().getConfig("tributary.algo");
        for (String name : List.of("opmd", "reinforce", "grpo", "rest", "dpo")) {
            assertEquals(name, reg.create(name, algo.hasPath(name) ? algo.getConfig(name) : ConfigFactory.empty(), K4)
                    .name());
        }
        var e = assertThrows(IllegalArgumentException.class, () -> reg.create("ppo", ConfigFactory.empty(), K4));
        assertEquals("tributary.trainer.loss = \"ppo\": expected one of dpo, grpo, opmd, reinforce, rest, or a fully "
                + "qualified class name implementing " + PolicyLoss.class.getName(), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> reg.register("opmd", (c, ctx) -> new Reinforce()));
        assertTrue(e.getMessage().contains("tributary.trainer.loss: 'opmd' is already registered"), e.getMessage());
        var bad = ConfigFactory.parseString("tau = 0.1, baseline = median");
        e = assertThrows(IllegalArgumentException.class, () -> reg.create("opmd", bad, K4));
        assertTrue(e.getMessage().contains("opmd baseline 'median'"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> reg.create("opmd", ConfigFactory.parseString("tau = -1, baseline = mean"), K4));
        assertTrue(e.getMessage().contains("opmd tau -1.0 must be a finite number > 0"), e.getMessage());
    }

    /** A loss from outside the project, loaded by class name. */
    public static final class HalfReinforce implements PolicyLoss {
        @Override
        public String name() {
            return "half";
        }

        @Override
        public LossResult evaluate(LossBatch batch) {
            return new Reinforce().evaluate(batch);
        }
    }

    @Test
    void registry_loadsAClassByName_andExplainsWhatIsWrong() {
        var reg = PolicyLosses.registry();
        assertEquals("half", reg.create(HalfReinforce.class.getName(), ConfigFactory.empty(), K4).name());
        var e = assertThrows(IllegalArgumentException.class,
                () -> reg.create("com.example.Nope", ConfigFactory.empty(), K4));
        assertTrue(e.getMessage().startsWith("tributary.trainer.loss = \"com.example.Nope\": no such class on the "
                + "classpath"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> reg.create("java.lang.String", ConfigFactory.empty(), K4));
        assertEquals("tributary.trainer.loss = \"java.lang.String\": class java.lang.String does not implement "
                + PolicyLoss.class.getName(), e.getMessage());
    }
}
