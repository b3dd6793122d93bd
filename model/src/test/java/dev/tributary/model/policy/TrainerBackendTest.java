package dev.tributary.model.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

class TrainerBackendTest {
    private static final PolicyConfig CFG = new PolicyConfig(23, 40, 32, 4, 2, 64, 7L, DataType.FLOAT);

    @Test
    void javaPasses_equalTheSameDiffGraph_logProbsAndGradients() {
        Params params = Params.initialise(CFG);
        // Non-trivial norms and biases, so every gradient path carries signal.
        SplittableRandom rng = new SplittableRandom(3);
        for (var e : params.arrays().entrySet()) {
            INDArray a = e.getValue();
            for (long i = 0; i < a.length(); i++) {
                a.putScalar(i, a.getDouble(i) + rng.nextDouble(-0.05, 0.05));
            }
        }
        Policy cpu = new Policy(params, TrainerBackend.JAVA);
        Policy graph = new Policy(params, TrainerBackend.SAMEDIFF);
        int[][] seqs = new int[5][];
        int[] starts = new int[5];
        double[][] grad = new double[5][];
        for (int i = 0; i < 5; i++) {
            seqs[i] = new int[4 + 5 * i];
            for (int j = 0; j < seqs[i].length; j++) {
                seqs[i][j] = rng.nextInt(23);
            }
            starts[i] = 1 + i;
            grad[i] = new double[seqs[i].length - starts[i]];
            for (int j = 0; j < grad[i].length; j++) {
                grad[i][j] = rng.nextDouble(-1, 1);
            }
        }
        SequenceBatch batch = new SequenceBatch(seqs, starts);
        Policy.Backward a = cpu.backward(batch, grad);
        Policy.Backward b = graph.backward(batch, grad);
        double[][] scored = cpu.responseLogProbs(batch);
        for (int i = 0; i < 5; i++) {
            for (int j = 0; j < grad[i].length; j++) {
                assertEquals(b.logProbs()[i][j], a.logProbs()[i][j], 1e-4, "log-prob " + i + "," + j);
                assertEquals(a.logProbs()[i][j], scored[i][j], 0, "forward-only log-prob " + i + "," + j);
            }
        }
        Map<String, INDArray> ga = a.gradients();
        assertEquals(b.gradients().keySet(), ga.keySet());
        for (var e : b.gradients().entrySet()) {
            INDArray expected = e.getValue();
            INDArray actual = ga.get(e.getKey());
            assertEquals(java.util.Arrays.toString(expected.shape()), java.util.Arrays.toString(actual.shape()), e.getKey());
            double scale = Math.max(1e-3, expected.amaxNumber().doubleValue());
            double diff = expected.sub(actual).amaxNumber().doubleValue();
            assertTrue(diff <= 1e-3 * scale, e.getKey() + ": max |Δ| " + diff + " vs max |g| " + scale);
        }
    }

    @Test
    void aKeptForwardPass_givesTheSameLogProbsAndGradients_bitForBit_onBothBackends() {
        SplittableRandom rng = new SplittableRandom(8);
        int[][] seqs = new int[4][];
        int[] starts = new int[4];
        double[][] grad = new double[4][];
        for (int i = 0; i < 4; i++) {
            seqs[i] = new int[6 + 7 * i];
            for (int j = 0; j < seqs[i].length; j++) {
                seqs[i][j] = rng.nextInt(23);
            }
            starts[i] = 2 + i;
            grad[i] = new double[seqs[i].length - starts[i]];
            for (int j = 0; j < grad[i].length; j++) {
                grad[i][j] = rng.nextDouble(-1, 1);
            }
        }
        SequenceBatch batch = new SequenceBatch(seqs, starts);
        for (TrainerBackend backend : new TrainerBackend[] {TrainerBackend.JAVA, TrainerBackend.SAMEDIFF}) {
            Policy policy = new Policy(Params.initialise(CFG), backend);
            Policy.Backward twoPasses = policy.backward(batch, grad);
            // Other batches scored in between (a trainer scores every micro-batch before any backward pass).
            Policy.Scored scored = policy.score(batch, true);
            policy.score(new SequenceBatch(new int[][] {{1, 2, 3, 4, 5}}, new int[] {2}), true);
            assertEquals(backend == TrainerBackend.JAVA, scored.keptBytes() > 0, backend + " keeps its pass");
            assertEquals(0, policy.score(batch, false).keptBytes());
            Policy.Backward kept = policy.backward(scored, grad);
            assertEquals(0, scored.keptBytes(), "the kept pass is released by its backward pass");
            for (int i = 0; i < 4; i++) {
                assertTrue(java.util.Arrays.equals(twoPasses.logProbs()[i], scored.logProbs()[i]), backend + " " + i);
                assertTrue(java.util.Arrays.equals(twoPasses.logProbs()[i], kept.logProbs()[i]), backend + " " + i);
            }
            assertEquals(twoPasses.gradients().keySet(), kept.gradients().keySet());
            for (var e : twoPasses.gradients().entrySet()) {
                assertTrue(java.util.Arrays.equals(e.getValue().dup().data().asFloat(),
                        kept.gradients().get(e.getKey()).dup().data().asFloat()), backend + " gradient " + e.getKey());
            }
        }
    }

    @Test
    void backendNames_parseAndUnknownOnesAreRefused() {
        assertEquals(TrainerBackend.SAMEDIFF, TrainerBackend.fromName("SameDiff"));
        var e = assertThrows(IllegalArgumentException.class, () -> TrainerBackend.fromName("torch"));
        assertEquals("trainer backend 'torch' is not one of [auto, java, samediff]", e.getMessage());
        assertEquals(TrainerBackend.JAVA, new Policy(Params.initialise(CFG)).backend());
        assertEquals(TrainerBackend.SAMEDIFF, TrainerBackend.AUTO.resolve(CFG.withDataType(DataType.DOUBLE)));
    }
}
