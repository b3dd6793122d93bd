package dev.tributary.model.algo;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tributary.model.policy.Policy;
import dev.tributary.model.policy.PolicyConfig;
import dev.tributary.model.policy.SequenceBatch;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Finite-difference check of the whole OPMD path in double precision: loss of the policy's teacher-forced
 * log-probs, its gradient chained through the SameDiff graph, against central differences on parameters.
 */
class OpmdGradientCheckTest {
    private static final PolicyConfig TINY = new PolicyConfig(12, 12, 8, 2, 2, 16, 3L, DataType.DOUBLE);

    @Test
    void opmdGradient_matchesCentralDifferences() {
        Policy policy = Policy.create(TINY);
        Policy reference = Policy.create(TINY.withSeed(11));
        SplittableRandom rng = new SplittableRandom(5);
        int n = 6;
        int[][] seqs = new int[n][];
        int[] starts = new int[n];
        double[] rewards = new double[n];
        for (int i = 0; i < n; i++) {
            int len = 5 + rng.nextInt(5);
            seqs[i] = new int[len];
            for (int t = 0; t < len; t++) {
                seqs[i][t] = rng.nextInt(TINY.vocabSize());
            }
            starts[i] = 1 + rng.nextInt(3);
            rewards[i] = rng.nextInt(2);
        }
        SequenceBatch batch = new SequenceBatch(seqs, starts);
        double[][] ref = reference.responseLogProbs(batch);
        Opmd opmd = new Opmd(0.7, Opmd.Baseline.MEAN);

        LossResult at = opmd.evaluate(lossBatch(policy.responseLogProbs(batch), ref, rewards));
        Map<String, INDArray> grads = policy.backward(batch, at.gradient()).gradients();

        double h = 1e-6;
        double worst = 0;
        int checked = 0;
        for (String name : List.of("wte", "wpe", "h0.attn.wq", "h0.attn.wk", "h1.attn.wv", "h1.attn.wo",
                "h0.ln1.g", "h1.ln2.b", "h0.mlp.w1", "h1.mlp.b1", "h1.mlp.w2", "lnf.g", "head")) {
            INDArray p = policy.params().get(name);
            INDArray flat = p.reshape(p.length());
            for (int k = 0; k < 3; k++) {
                long idx = rng.nextLong(p.length());
                double orig = flat.getDouble(idx);
                flat.putScalar(idx, orig + h);
                double up = opmd.evaluate(lossBatch(policy.responseLogProbs(batch), ref, rewards)).loss();
                flat.putScalar(idx, orig - h);
                double down = opmd.evaluate(lossBatch(policy.responseLogProbs(batch), ref, rewards)).loss();
                flat.putScalar(idx, orig);
                double numeric = (up - down) / (2 * h);
                double analytic = grads.get(name).reshape(p.length()).getDouble(idx);
                double err = Math.abs(numeric - analytic) / Math.max(1e-6, Math.abs(numeric) + Math.abs(analytic));
                if (Math.abs(numeric - analytic) > 1e-8) {
                    worst = Math.max(worst, err);
                }
                checked++;
            }
        }
        assertTrue(checked == 39);
        assertTrue(worst < 1e-4, "worst relative error " + worst + " between analytic and numeric OPMD gradients");
    }

    private static LossBatch lossBatch(double[][] logProbs, double[][] ref, double[] rewards) {
        List<LossSample> samples = new ArrayList<>();
        for (int i = 0; i < logProbs.length; i++) {
            samples.add(LossSample.of("g" + (i % 2), rewards[i], logProbs[i], ref[i]));
        }
        return LossBatch.of(samples);
    }
}
