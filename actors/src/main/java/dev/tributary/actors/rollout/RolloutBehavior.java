package dev.tributary.actors.rollout;

import dev.tributary.actors.device.DeviceArbiter;
import dev.tributary.model.PolicyVersion;
import dev.tributary.model.engine.EngineBackend;
import dev.tributary.model.engine.InferenceEngine;
import dev.tributary.model.policy.Policy;
import dev.tributary.model.registry.Registry;
import dev.tributary.model.task.Task;
import java.util.Objects;
import java.util.function.Consumer;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;

/**
 * Plug-in {@code tributary.rollout.behavior}: the behaviour of each rollout worker actor. It must speak
 * {@link RolloutWorker}'s protocol: answer {@link RolloutWorker.Rollout} with {@link RolloutWorker.Done} once every
 * job has been put into the worker's sink (finished, or cut at its token budget and left for resumption), and
 * {@link RolloutWorker.LoadWeights} with {@link RolloutWorker.Loaded} once it generates with that version. The
 * runtime puts a work-pulling consumer beside every worker, so batches reach it wherever it runs. Built in:
 * {@code engine}, a {@link RolloutWorker} over the inference engine.
 */
@FunctionalInterface
public interface RolloutBehavior {
    /** The setting that names the behaviour; a behaviour's settings live under {@code tributary.rollout.<name>}. */
    String KEY = "tributary.rollout.behavior";

    /** The behaviour of one worker. */
    Behavior<RolloutWorker.Command> create(Worker worker);

    /**
     * One worker's parts.
     *
     * @param name     unique among the run's workers (a node address and an index on a cluster)
     * @param policy   the policy whose parameters this worker's node generates with
     * @param sink     where trajectories go (the segment stream to reward and replay)
     * @param arbiter  the device arbiter of this worker's node
     * @param weights  where a version's weights come from when a LoadWeights carries none; null when the worker
     *                 shares the trainer's parameter arrays (one JVM)
     * @param onLoaded called once the worker holds a version (nodes record what they hold after each sync)
     */
    record Worker(String name, Task task, Policy policy, RolloutSettings settings, TrajectorySink sink,
                  ActorRef<DeviceArbiter.Command> arbiter, RolloutWorker.WeightSource weights,
                  Consumer<PolicyVersion> onLoaded) {
        public Worker {
            Objects.requireNonNull(name, "worker name");
            Objects.requireNonNull(task, "task");
            Objects.requireNonNull(policy, "policy");
            Objects.requireNonNull(settings, "rollout settings");
            Objects.requireNonNull(sink, "trajectory sink");
            Objects.requireNonNull(arbiter, "device arbiter");
            Objects.requireNonNull(onLoaded, "onLoaded");
        }
    }

    /**
     * What a behaviour factory receives besides its settings: the rollout settings every worker shares and the
     * engine backend chosen by {@code tributary.model.engine}.
     */
    record Context(RolloutSettings settings, EngineBackend engine) {
    }

    /** The engine worker: one inference engine on {@code backend} per worker, over the node's policy parameters. */
    static RolloutBehavior engine(EngineBackend backend) {
        return w -> {
            // Weights of its own (fetched from the trainer's node) can change in the middle of a batch.
            InflightWeights inflight = w.weights() == null ? null : new InflightWeights();
            return RolloutWorker.create(w.name(), EngineRunner.factory(new InferenceEngine(w.policy().params(),
                    w.settings().slots(), backend), w.settings(), w.sink(), inflight), w.arbiter(), w.weights(),
                    w.onLoaded(), w.sink(), inflight);
        };
    }

    static Registry<Context, RolloutBehavior> registry() {
        return new Registry<>(KEY, RolloutBehavior.class, Context.class)
                .register("engine", (c, ctx) -> engine(ctx.engine()));
    }
}
