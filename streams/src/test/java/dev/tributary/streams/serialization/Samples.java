package dev.tributary.streams.serialization;

import dev.tributary.model.FinishReason;
import dev.tributary.model.PolicyVersion;
import dev.tributary.model.Prompt;
import dev.tributary.model.Segment;
import dev.tributary.model.Trajectory;
import dev.tributary.model.TrajectoryBatch;
import dev.tributary.model.weights.FlatWeights;
import dev.tributary.model.weights.WeightLayout;
import java.util.List;

/** Small valid instances of the model records. */
final class Samples {
    static final Prompt PROMPT = new Prompt("p-7", new int[] {1, 12, 5, 13}, "arithmetic", 2, "17");

    private Samples() {
    }

    static Trajectory unfinished(String id) {
        return Trajectory.start(id, PROMPT)
                .append(new Segment(id, 0, new int[] {4, 9}, new float[] {-0.25f, -1.5f}, 3, FinishReason.TOKEN_BUDGET));
    }

    static Trajectory finished(String id, double reward) {
        return unfinished(id)
                .append(new Segment(id, 1, new int[] {2}, new float[] {-0.125f}, 4, FinishReason.EOS))
                .withReward(reward);
    }

    static TrajectoryBatch batch() {
        return new TrajectoryBatch(new PolicyVersion(4), List.of(finished("g/0", 1.0), finished("g/1", 0.0)));
    }

    static WeightLayout layout() {
        return new WeightLayout(List.of(new WeightLayout.Entry("embed", new long[] {3, 2}, 0),
                new WeightLayout.Entry("head.bias", new long[] {4}, 6)));
    }

    static FlatWeights weights() {
        float[] v = new float[10];
        for (int i = 0; i < v.length; i++) {
            v[i] = 0.5f * i - 1f;
        }
        return FlatWeights.of(new PolicyVersion(5), layout(), v);
    }
}
