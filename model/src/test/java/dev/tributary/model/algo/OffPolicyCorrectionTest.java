package dev.tributary.model.algo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The corrections' weights against hand values, their settings, and their refusals. */
class OffPolicyCorrectionTest {
    private static final double EPS = 1e-12;
    private static final PolicyLosses.Context K4 = new PolicyLosses.Context(4);
    // log ρ_t = prox − behav = 0.5, −1, 0: ρ = e^0.5 = 1.6487, e^−1 = 0.3679, 1; sequence log ρ = −0.5.
    private static final LossSample OFF = new LossSample("p", 1, new double[] {-1, -2, -0.5},
            new double[] {-1, -2, -0.5}, null, new double[] {-1.5, -1, -0.5});

    private static OffPolicyCorrection create(String name, String settings) {
        return OffPolicyCorrections.registry().create(name, ConfigFactory.parseString(settings), K4);
    }

    @Test
    void tis_tokenLevel_truncatesEachTokensRatioAtTheCap() {
        assertArrayEquals(new double[] {Math.exp(0.5), Math.exp(-1), 1},
                create("tis", "cap = 2.0, level = token").tokenWeights(OFF), EPS);
        // With C = 1.5 the first token's 1.6487 is cut to 1.5; the others are below it.
        assertArrayEquals(new double[] {1.5, Math.exp(-1), 1},
                create("tis", "cap = 1.5, level = token").tokenWeights(OFF), EPS);
    }

    @Test
    void tis_sequenceLevel_weighsEveryTokenByTheTruncatedSequenceRatio() {
        OffPolicyCorrection tis = create("tis", "cap = 2.0, level = sequence");
        double rho = Math.exp(0.5 - 1 + 0);
        assertArrayEquals(new double[] {rho, rho, rho}, tis.tokenWeights(OFF), EPS);
        assertEquals(rho, tis.sequenceWeight(OFF), EPS);
        // Sequence log ρ = 2 + 0 + 0: e² = 7.39 is cut to 2; a sequence term gets the same, whatever the level.
        LossSample far = new LossSample("p", 0, new double[] {-1, -1, -1}, new double[] {-1, -1, -1}, null,
                new double[] {-3, -1, -1});
        assertEquals(2.0, tis.sequenceWeight(far), EPS);
        assertEquals(2.0, create("tis", "cap = 2.0, level = token").sequenceWeight(far), EPS);
    }

    @Test
    void mis_tokenLevel_dropsTokensOutsideTheBand_andKeepsTheRatioInside() {
        // Band [0.5, 1.5]: 1.6487 is above, 0.3679 below, 1 inside.
        assertArrayEquals(new double[] {0, 0, 1}, create("mis", "low = 0.5, high = 1.5, level = token")
                .tokenWeights(OFF), EPS);
        // Band [0.3, 2]: all inside, each keeps its own ratio.
        assertArrayEquals(new double[] {Math.exp(0.5), Math.exp(-1), 1},
                create("mis", "low = 0.3, high = 2, level = token").tokenWeights(OFF), EPS);
    }

    @Test
    void mis_sequenceLevel_keepsOrDropsTheWholeSequence() {
        double rho = Math.exp(-0.5); // 0.6065
        assertArrayEquals(new double[] {rho, rho, rho}, create("mis", "low = 0.5, high = 1.5, level = sequence")
                .tokenWeights(OFF), EPS);
        assertArrayEquals(new double[] {0, 0, 0}, create("mis", "low = 0.7, high = 1.5, level = sequence")
                .tokenWeights(OFF), EPS);
        assertEquals(0, create("mis", "low = 0.7, high = 1.5, level = token").sequenceWeight(OFF), EPS);
    }

    @Test
    void tokensOutsideTheLoss_getWeightOne_andStayOutOfTheSequenceRatio() {
        // Token 1 is masked (a stale segment): its non-finite proximal log-prob is never read.
        LossSample s = new LossSample("p", 1, new double[] {-1, -2, -0.5}, new double[] {-1, Double.NaN, -0.5},
                new double[] {1, 0, 1}, new double[] {-1.5, -1, -0.5});
        OffPolicyCorrection mis = create("mis", "low = 0.5, high = 1.5, level = sequence");
        // Sequence log ρ = 0.5 + 0: 1.6487 > 1.5, so the tokens in the loss are dropped.
        assertArrayEquals(new double[] {0, 1, 0}, mis.tokenWeights(s), EPS);
        assertArrayEquals(new double[] {Math.exp(0.5), 1, 1}, create("tis", "cap = 2, level = token")
                .tokenWeights(s), EPS);
    }

    @Test
    void onPolicySamples_getWeightOne_fromEveryCorrection() {
        double[] prox = {-1.25, -0.1, -3.7};
        LossSample absent = LossSample.of("p", 1, new double[] {-1, -1, -1}, prox);
        LossSample equal = new LossSample("p", 1, new double[] {-1, -1, -1}, prox, null, prox.clone());
        assertSame(absent.refLogProbs(), absent.behavLogProbs());
        for (OffPolicyCorrection c : List.of(OffPolicyCorrections.none(), create("tis", "cap = 1, level = token"),
                create("tis", "cap = 2, level = sequence"), create("mis", "low = 1, high = 1.5, level = token"),
                create("mis", "low = 0.5, high = 2, level = sequence"))) {
            for (LossSample s : List.of(absent, equal)) {
                assertArrayEquals(new double[] {1, 1, 1}, c.tokenWeights(s), 0, c.toString());
                assertEquals(1.0, c.sequenceWeight(s), 0, c.toString());
            }
        }
        assertArrayEquals(new double[] {1, 1, 1}, OffPolicyCorrections.none().tokenWeights(OFF), 0);
        assertEquals(1.0, OffPolicyCorrections.none().sequenceWeight(OFF), 0);
    }

    @Test
    void registry_buildsEachCorrectionFromReferenceSettings() {
        Config conf = ConfigFactory.load();
        assertEquals("none", conf.getString(OffPolicyCorrections.KEY));
        Config block = conf.getConfig("tributary.algo.correction");
        var reg = OffPolicyCorrections.registry();
        for (String name : List.of("none", "tis", "mis")) {
            Config own = block.hasPath(name) ? block.getConfig(name) : ConfigFactory.empty();
            assertEquals(name, reg.create(name, own, K4).name());
        }
        assertEquals("tis(token)", reg.create("tis", block.getConfig("tis"), K4).toString());
        assertEquals(2.0, ((TruncatedIs) reg.create("tis", block.getConfig("tis"), K4)).cap(), 0);
        var e = assertThrows(IllegalArgumentException.class, () -> reg.create("vtrace", ConfigFactory.empty(), K4));
        assertEquals("tributary.algo.correction.name = \"vtrace\": expected one of mis, none, tis, or a fully "
                + "qualified class name implementing " + OffPolicyCorrection.class.getName(), e.getMessage());
    }

    private static String refused(String name, String settings) {
        return assertThrows(IllegalArgumentException.class, () -> create(name, settings)).getMessage();
    }

    @Test
    void badSettings_areRefusedNamingTheKeyAndTheExpectation() {
        assertEquals("tributary.algo.correction.mis.low = 2.0: expected a number below high (1.5)",
                refused("mis", "low = 2.0, high = 1.5, level = token"));
        assertEquals("tributary.algo.correction.mis.low = 1.0: expected a number below high (1.0)",
                refused("mis", "low = 1, high = 1, level = token"));
        assertEquals("tributary.algo.correction.mis.low = 1.2: expected a number in [0, 1] (the band must hold "
                + "ratio 1, an on-policy token)", refused("mis", "low = 1.2, high = 3, level = token"));
        assertEquals("tributary.algo.correction.mis.low = -0.1: expected a number in [0, 1] (the band must hold "
                + "ratio 1, an on-policy token)", refused("mis", "low = -0.1, high = 3, level = token"));
        assertEquals("tributary.algo.correction.mis.high = 0.8: expected a number >= 1 (the band must hold "
                + "ratio 1, an on-policy token)", refused("mis", "low = 0.5, high = 0.8, level = token"));
        assertEquals("tributary.algo.correction.tis.cap = 0.0: expected a number >= 1 (an on-policy token, "
                + "ratio 1, must keep weight 1)", refused("tis", "cap = 0, level = token"));
        assertEquals("tributary.algo.correction.tis.cap = -2.0: expected a number >= 1 (an on-policy token, "
                + "ratio 1, must keep weight 1)", refused("tis", "cap = -2, level = token"));
        assertEquals("tributary.algo.correction.tis.cap = NaN: expected a finite number",
                refused("tis", "cap = NaN, level = token"));
        assertEquals("tributary.algo.correction.tis.cap = \"lots\": expected a finite number",
                refused("tis", "cap = lots, level = token"));
        assertEquals("tributary.algo.correction.mis.high is missing: expected a finite number",
                refused("mis", "low = 0.5, level = token"));
        assertEquals("tributary.algo.correction.tis.level = \"word\": expected \"token\" or \"sequence\"",
                refused("tis", "cap = 2, level = word"));
    }

    @Test
    void badSamples_areRefusedNamingTheValue() {
        double[] lp = {-1, -2};
        var e = assertThrows(IllegalArgumentException.class,
                () -> new LossSample("p", 1, lp, lp, null, new double[] {-1}));
        assertEquals("sample in group 'p' has 2 log-probs but 1 behaviour log-probs", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new LossSample("p", 1, lp, lp, null, new double[] {-1, Double.NEGATIVE_INFINITY}));
        assertEquals("behaviour log-prob -Infinity at token 1 of a sample in group 'p' must be finite", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new LossSample("p", 1, lp, lp, new double[] {1, -1}));
        assertEquals("mask -1.0 at token 1 of a sample in group 'p' must be a finite number >= 0", e.getMessage());
        LossSample badProx = new LossSample("p", 1, lp, new double[] {-1, Double.NaN}, null, lp);
        e = assertThrows(IllegalArgumentException.class,
                () -> create("tis", "cap = 2, level = token").tokenWeights(badProx));
        assertEquals("proximal (reference) log-prob NaN at token 1 of a sample in group 'p' must be finite to "
                + "correct it off-policy", e.getMessage());
    }
}
