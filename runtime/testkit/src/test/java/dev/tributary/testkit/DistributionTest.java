package dev.tributary.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class DistributionTest {
    private static double[] draws(Distribution d, int n) {
        SplittableRandom r = new SplittableRandom(3);
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            out[i] = d.sample(r);
        }
        Arrays.sort(out);
        return out;
    }

    @Test
    void everyNameParses_andPrintsBackTheSameText() {
        for (String text : Distribution.EXAMPLES.values()) {
            Distribution d = Distribution.parse("k", text);
            assertEquals(d, Distribution.parse("k", d.toString()), text);
        }
        assertEquals(new Distribution.LogNormal(200, 1.0), Distribution.parse("k", " LogNormal( sigma=1.0 , median=200) "));
    }

    @Test
    void logNormal_hasItsMedian_andALongTail() {
        double[] x = draws(new Distribution.LogNormal(100, 1.0), 20_000);
        assertEquals(100, x[x.length / 2], 5);
        // exp(2.326) ≈ 10.2: the 99th percentile of sigma = 1 is about ten times the median.
        assertEquals(1024, x[(int) (x.length * 0.99)], 120);
    }

    @Test
    void pareto_neverGoesBelowItsScale_andHasTheTailOfItsShape() {
        double[] x = draws(new Distribution.Pareto(50, 1.5), 20_000);
        assertTrue(x[0] >= 50);
        // P(X > 50 * 10) = 10^-1.5 ≈ 3.2%.
        long over = Arrays.stream(x).filter(v -> v > 500).count();
        assertEquals(0.032, over / 20_000.0, 0.006);
    }

    @Test
    void uniformAndExponential_haveTheirMeans() {
        assertEquals(5.5, Arrays.stream(draws(new Distribution.Uniform(1, 10), 20_000)).average().orElseThrow(), 0.1);
        assertEquals(3.0, Arrays.stream(draws(new Distribution.Exponential(3), 20_000)).average().orElseThrow(), 0.1);
        assertEquals(7.0, draws(new Distribution.Constant(7), 3)[2]);
    }

    @Test
    void anUnknownName_isRefusedInOneLine_namingTheKeyAndTheKnownNames() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> Distribution.parse("tributary.testkit.load.rollout.response-tokens", "gauss(mean=3)"));
        assertEquals("tributary.testkit.load.rollout.response-tokens = \"gauss(mean=3)\": expected one of constant, "
                + "exponential, lognormal, pareto, uniform, as in lognormal(median=200, sigma=1.0)", e.getMessage());
    }

    @Test
    void missingWrongAndNegativeParameters_areRefusedNamingTheValue() {
        assertEquals("k = \"lognormal(median=3)\": expected the parameters median, sigma of lognormal, as in "
                + "lognormal(median=200, sigma=1.0)", assertThrows(IllegalArgumentException.class,
                () -> Distribution.parse("k", "lognormal(median=3)")).getMessage());
        assertEquals("k = \"pareto(scale=-1, shape=2)\": pareto scale -1: expected a finite number > 0",
                assertThrows(IllegalArgumentException.class,
                        () -> Distribution.parse("k", "pareto(scale=-1, shape=2)")).getMessage());
        assertEquals("k = \"uniform(min=a, max=2)\": expected parameters written name=number, as in uniform(min=1, "
                + "max=10)", assertThrows(IllegalArgumentException.class,
                () -> Distribution.parse("k", "uniform(min=a, max=2)")).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Distribution.parse("k", "200"))
                .getMessage().startsWith("k = \"200\": expected name(parameter=value, ...)"));
    }
}
