package dev.tributary.runtime.internal.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.tributary.model.PolicyVersion;
import dev.tributary.model.policy.Optimizer;
import dev.tributary.model.policy.Params;
import dev.tributary.model.policy.PolicyConfig;
import dev.tributary.model.weights.FlatWeights;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class OptimizerStateTest {
    private static final PolicyConfig TINY = new PolicyConfig(12, 8, 8, 2, 1, 16, 3L,
            org.nd4j.linalg.api.buffer.DataType.FLOAT);

    @Test
    void realOptimizerAndWeights_surviveACheckpoint(@TempDir Path out) throws IOException {
        Params params = Params.initialise(TINY);
        Optimizer optimizer = new Optimizer(params, Optimizer.Settings.adam(1e-2));
        for (int step = 0; step < 3; step++) {
            Map<String, INDArray> gradients = new HashMap<>();
            params.arrays().forEach((k, v) -> gradients.put(k, Nd4j.rand(v.dataType(), v.shape()).subi(0.5)));
            optimizer.step(params, gradients);
        }
        FlatWeights weights = FlatWeights.export(params, new PolicyVersion(3));
        OptimizerState state = OptimizerState.capture(optimizer);
        CheckpointStore store = new CheckpointStore(out, 1);
        store.save(new Checkpoint(3, weights, state, List.of(), Map.of(), new long[] {1}, Optional.empty()));

        Checkpoint loaded = store.latestOrEmpty().orElseThrow();
        Params fresh = Params.initialise(TINY.withSeed(99));
        Optimizer restored = new Optimizer(fresh, Optimizer.Settings.adam(1e-2));
        assertNotEquals(weights, FlatWeights.export(fresh, new PolicyVersion(3)));
        loaded.weights().importInto(fresh);
        loaded.optimizer().restoreInto(restored);
        assertEquals(weights, FlatWeights.export(fresh, new PolicyVersion(3)));
        assertEquals(3, restored.iteration());
        assertEquals(state, OptimizerState.capture(restored));
    }
}
