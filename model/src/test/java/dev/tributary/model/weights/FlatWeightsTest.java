package dev.tributary.model.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tributary.model.PolicyVersion;
import dev.tributary.model.algo.ModelMerge;
import dev.tributary.model.engine.GenerationRequest;
import dev.tributary.model.engine.InferenceEngine;
import dev.tributary.model.engine.Sampling;
import dev.tributary.model.policy.Params;
import dev.tributary.model.policy.PolicyConfig;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

class FlatWeightsTest {
    private static final PolicyConfig C = new PolicyConfig(20, 16, 16, 2, 1, 32, 1L, DataType.FLOAT);

    @Test
    void exportThenImport_reproducesTheModelExactly() {
        Params source = Params.initialise(C);
        Params target = Params.initialise(C.withSeed(99));
        FlatWeights w = FlatWeights.export(source, new PolicyVersion(3));
        assertEquals(source.count(), w.size());
        assertNotEquals(w.checksum(), FlatWeights.export(target, PolicyVersion.INITIAL).checksum());
        w.importInto(target);
        FlatWeights back = FlatWeights.export(target, new PolicyVersion(3));
        assertEquals(w, back);
        // An engine over the imported parameters generates exactly what one over the source does.
        var req = List.of(GenerationRequest.of("a", new int[] {1, 5, 6}, 8, Sampling.of(1.0), 4));
        assertArrayEquals(new InferenceEngine(source, 1).generate(req).get(0).tokens(),
                new InferenceEngine(target, 1).generate(req).get(0).tokens());
    }

    @Test
    void corruptCopy_isRefusedNamingBothChecksums() {
        FlatWeights w = FlatWeights.export(Params.initialise(C), new PolicyVersion(2));
        float[] values = w.values();
        values[17] = Float.intBitsToFloat(Float.floatToIntBits(values[17]) ^ 1);
        var e = assertThrows(IllegalArgumentException.class,
                () -> new FlatWeights(w.version(), w.layout(), values, w.checksum()));
        assertTrue(e.getMessage().startsWith("weights v2 are corrupt: checksum"), e.getMessage());
        var truncated = java.util.Arrays.copyOf(w.values(), w.size() - 1);
        e = assertThrows(IllegalArgumentException.class, () -> FlatWeights.of(w.version(), w.layout(), truncated));
        assertTrue(e.getMessage().contains("carry " + (w.size() - 1) + " values but the layout needs " + w.size()),
                e.getMessage());
    }

    @Test
    void decoded_takesTheReceiversChecksum_refusesOneThatDiffers_andLeavesTheConstructorChecking() {
        FlatWeights w = FlatWeights.export(Params.initialise(C), new PolicyVersion(4));
        float[] values = w.values();
        assertEquals(w, FlatWeights.decoded(w.version(), w.layout(), values, w.checksum(), w.checksum()));
        var e = assertThrows(IllegalArgumentException.class,
                () -> FlatWeights.decoded(w.version(), w.layout(), values, w.checksum() ^ 1, w.checksum()));
        assertTrue(e.getMessage().startsWith("weights v4 are corrupt: checksum"), e.getMessage());
        // After decoded(), the same array with a changed value is checked again by the constructor.
        values[3] = Float.intBitsToFloat(Float.floatToIntBits(values[3]) ^ 1);
        assertThrows(IllegalArgumentException.class, () -> new FlatWeights(w.version(), w.layout(), values,
                w.checksum()));
    }

    @Test
    void wrongLayout_isRefused() {
        FlatWeights w = FlatWeights.export(Params.initialise(C), PolicyVersion.INITIAL);
        Params wider = Params.initialise(new PolicyConfig(20, 16, 16, 2, 1, 64, 1L, DataType.FLOAT));
        var e = assertThrows(IllegalArgumentException.class, () -> w.importInto(wider));
        assertTrue(e.getMessage().contains("refusing to import into a model with a different layout"), e.getMessage());
        assertTrue(e.getMessage().contains("h0.mlp.w1"), e.getMessage());
    }

    @Test
    void modelMerge_isTheWeightedAverage() {
        FlatWeights a = FlatWeights.export(Params.initialise(C), PolicyVersion.INITIAL);
        FlatWeights b = FlatWeights.export(Params.initialise(C.withSeed(5)), PolicyVersion.INITIAL);
        FlatWeights m = ModelMerge.average(List.of(a, b), new double[] {0.25, 0.75}, new PolicyVersion(9));
        for (int i = 0; i < a.size(); i += 97) {
            assertEquals(0.25 * a.value(i) + 0.75 * b.value(i), m.value(i), 1e-6);
        }
        var e = assertThrows(IllegalArgumentException.class,
                () -> ModelMerge.average(List.of(a, b), new double[] {0.5, 0.6}, PolicyVersion.INITIAL));
        assertTrue(e.getMessage().contains("sum to 1.1"), e.getMessage());
    }
}
