package dev.tributary.actors.sync;

import dev.tributary.actors.rollout.RolloutWorker;
import dev.tributary.model.weights.FlatWeights;
import dev.tributary.model.weights.WeightLayout;
import java.util.function.Consumer;
import org.apache.pekko.actor.typed.javadsl.ActorContext;

/** The weight sync {@code shared}: the engines read the trainer's parameter arrays, so a sync copies nothing. */
enum SharedParameters implements WeightSync {
    INSTANCE;

    @Override
    public boolean sharesParameters() {
        return true;
    }

    @Override
    public Consumer<FlatWeights> publisher(ActorContext<?> node) {
        return null;
    }

    @Override
    public RolloutWorker.WeightSource source(ActorContext<?> node, WeightLayout layout) {
        return null;
    }
}
