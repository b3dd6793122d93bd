package dev.tributary.actors.sync;

import com.typesafe.config.Config;
import dev.tributary.actors.rollout.RolloutWorker;
import dev.tributary.model.registry.Registry;
import dev.tributary.model.weights.FlatWeights;
import dev.tributary.model.weights.WeightLayout;
import java.util.function.Consumer;
import org.apache.pekko.actor.typed.javadsl.ActorContext;

/**
 * Plug-in {@code tributary.weights.sync}: how a new policy version gets from the trainer to the rollout workers.
 * Built in: {@code shared} (one JVM: the engines read the trainer's own parameter arrays, nothing is copied) and
 * {@code broadcast} (the trainer's node publishes each version in checked chunks; rollout nodes fetch them, one
 * fetch per version per node). {@code auto}, the default, is {@code shared} for a run with every role in one
 * JVM and {@code broadcast} otherwise; {@code shared} on a cluster node is refused at start.
 */
public interface WeightSync {
    /** The setting that names the weight sync. */
    String KEY = "tributary.weights.sync";

    /** True when rollout engines generate with the trainer's own parameter arrays (same JVM, same policy). */
    boolean sharesParameters();

    /**
     * On the trainer's node, once: what each new version's weights are handed to before the trainer answers;
     * null when nothing needs to be sent. {@code node} is the node guardian's context, to spawn helpers under.
     */
    Consumer<FlatWeights> publisher(ActorContext<?> node);

    /**
     * On a rollout node, once: where its workers get a version's weights; null when they share the trainer's
     * parameters. {@code layout} is the layout of the node's policy.
     */
    RolloutWorker.WeightSource source(ActorContext<?> node, WeightLayout layout);

    /** What a weight-sync factory receives besides its settings: the whole config (chunking, timeouts). */
    record Context(Config config) {
    }

    static Registry<Context, WeightSync> registry() {
        return new Registry<>(KEY, WeightSync.class, Context.class)
                .register("auto", (c, ctx) -> {
                    throw new IllegalStateException("weight sync 'auto' is resolved by the runtime for each topology");
                })
                .register("shared", (c, ctx) -> SharedParameters.INSTANCE)
                .register("broadcast", (c, ctx) -> new ChunkedBroadcast(ctx.config()));
    }
}
