package dev.tributary.streams.serialization;

import dev.tributary.model.FinishReason;
import dev.tributary.model.Image;
import dev.tributary.model.PolicyVersion;
import dev.tributary.model.Prompt;
import dev.tributary.model.Segment;
import dev.tributary.model.Trajectory;
import dev.tributary.model.TrajectoryBatch;
import dev.tributary.model.train.Evaluator;
import dev.tributary.model.weights.FlatWeights;
import dev.tributary.model.weights.WeightLayout;

/**
 * Ids 100-199: the domain records of {@code tributary-model} that cross nodes. Records go through their canonical
 * constructors, so a corrupt {@link FlatWeights} (checksum mismatch) or an invalid segment is refused on read.
 * Append only; never renumber.
 */
public final class ModelRegistrar implements KryoRegistrar {
    @Override
    public void register(Registrations r) {
        r.add(100, PolicyVersion.class);
        r.add(101, FinishReason.class);
        r.add(102, Prompt.class);
        r.add(103, Segment.class);
        r.add(104, Trajectory.class);
        r.add(105, TrajectoryBatch.class);
        r.add(106, Image.class, new ImageSerializer());

        r.add(110, WeightLayout.class);
        r.add(111, WeightLayout.Entry.class);
        r.add(112, FlatWeights.class);

        r.add(120, Evaluator.Result.class);
    }
}
