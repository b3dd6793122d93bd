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
    void backendNames_parseAndUnknownOnesAreRefused() {
        assertEquals(TrainerBackend.SAMEDIFF, TrainerBackend.fromName("SameDiff"));
        var e = assertThrows(IllegalArgumentException.class, () -> TrainerBackend.fromName("torch"));
        assertEquals("trainer backend 'torch' is not one of [auto, java, samediff]", e.getMessage());
        assertEquals(TrainerBackend.JAVA, new Policy(Params.initialise(CFG)).backend());
        assertEquals(TrainerBackend.SAMEDIFF, TrainerBackend.AUTO.resolve(CFG.withDataType(DataType.DOUBLE)));
    }
}
