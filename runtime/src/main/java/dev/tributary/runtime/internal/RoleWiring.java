package dev.tributary.runtime.internal;

import dev.tributary.actors.checkpoint.CheckpointParts;
import dev.tributary.actors.checkpoint.PartReply;
import dev.tributary.actors.device.DeviceArbiter;
import dev.tributary.actors.master.IterationReport;
import dev.tributary.actors.master.Master;
import dev.tributary.actors.replay.ReplayBuffer;
import dev.tributary.actors.reward.LearnedReward;
import dev.tributary.actors.reward.RewardActor;
import dev.tributary.actors.reward.RewardModelLink;
import dev.tributary.actors.reward.RewardModelServer;
import dev.tributary.actors.trainer.Trainer;
import dev.tributary.model.PolicyVersion;
import dev.tributary.model.train.Evaluator;
import dev.tributary.model.weights.FlatWeights;
import dev.tributary.runtime.internal.checkpoint.CheckpointStore;
import dev.tributary.runtime.settings.RewardModelSettings;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.IntConsumer;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.ChildFailed;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.Terminated;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.cluster.typed.ClusterSingleton;
import org.apache.pekko.cluster.typed.ClusterSingletonSettings;
import org.apache.pekko.cluster.typed.SingletonActor;

/**
 * The one guardian of every node: it starts the actors of the node's roles and registers each with the
 * Receptionist, through which the roles find each other in every topology. An embedded run is the node with
 * every role; a cluster node runs some, and its master is a cluster singleton. A role that fails or stops fails
 * the node with the role's name and cause.
 */
final class RoleWiring {
    private RoleWiring() {
    }

    /**
     * What the host gives the node.
     *
     * @param resumeFrom     the master's node: the checkpoint to continue from (a resume), or -1 for a fresh run
     * @param store          where checkpoint parts are written and read; null when checkpoints are off
     * @param sftMeasured    the trainer's node: the held-out result after warm-up, offered to the master's node;
     *                       null elsewhere or when the warm-up's checkpoint is used instead
     * @param sftAccuracy    the master's node: completed with the SFT accuracy once known
     * @param rolloutWorkers the master's node: kept at the number of rollout workers registered
     * @param syncs          per version, the checksum of the weights this node published or holds after loading
     * @param done           the master's node: completed with the run's end
     * @param failure        called when a role of this node fails or stops before the end, or the run failed
     *                       elsewhere
     * @param rewound        the master's node: the run rewinds to the checkpoint after this iteration
     * @param progress       lines a person reads (a lost node, a wait for its replacement)
     * @param checkpointed   the master's node: each committed checkpoint's parts as their writers reported them
     *                       (bytes, write seconds), the master's own commit last
     */
    record Plan(RunParts parts, int resumeFrom, CheckpointStore store, Consumer<IterationReport> listener,
                BooleanSupplier stopRequested, Evaluator.Result sftMeasured, CompletableFuture<Double> sftAccuracy,
                AtomicInteger rolloutWorkers, Map<PolicyVersion, Long> syncs,
                CompletableFuture<Master.Finished> done, Consumer<Throwable> failure, IntConsumer rewound,
                Consumer<String> progress, Consumer<List<PartReply.Written>> checkpointed) {
    }

    static Behavior<Void> create(Plan plan) {
        return Behaviors.setup(ctx -> {
            RunParts parts = plan.parts();
            Topology topology = parts.topology();
            var receptionist = ctx.getSystem().receptionist();
            ActorRef<DeviceArbiter.Command> arbiter = null;
            if (topology.has(RoleKeys.ROLLOUT) || topology.has(RoleKeys.TRAINER)) {
                arbiter = ctx.spawn(DeviceArbiter.create(parts.deviceBudgetBytes(), parts.phasesOverlap()), "device");
                receptionist.tell(Receptionist.register(RoleKeys.ARBITER_KEY, arbiter));
            }
            if (topology.has(RoleKeys.REPLAY)) {
                var replay = ctx.spawn(ReplayBuffer.create(parts.settings().replay().capacity(), parts.replayStore(),
                        partsOf(plan)), "replay");
                ctx.watch(replay);
                receptionist.tell(Receptionist.register(RoleKeys.REPLAY_KEY, replay));
            }
            if (topology.has(RoleKeys.REWARD)) {
                var blocking = ctx.getSystem().dispatchers().lookup(DispatcherSelector.blocking());
                var reward = ctx.spawn(RewardActor.create(parts.rewardFunction(), parts.shaping(), blocking), "reward");
                ctx.watch(reward);
                receptionist.tell(Receptionist.register(RoleKeys.REWARD_KEY, reward));
            }
            if (parts.rewardModel() != null) {
                var serve = RewardModelSettings.of(parts.settings());
                // The model's forward passes block: they run on the blocking dispatcher, not the default one.
                var server = ctx.spawn(RewardModelServer.create(parts.rewardModel(), serve.maxBatch(), serve.maxWait(),
                        stats -> plan.progress().accept(stats.toString())),
                        "reward-model", DispatcherSelector.blocking());
                ctx.watch(server);
                receptionist.tell(Receptionist.register(RoleKeys.REWARD_MODEL_KEY, server));
            }
            if (parts.rewardFunction() instanceof LearnedReward learned) {
                // Once per iteration's worth of responses: the model against the verifier on the same samples.
                learned.reportEvery(parts.settings().sampler().batchSize(), plan.progress());
            }
            if (parts.rewardModelLink() != null) {
                ctx.spawn(RewardModelLink.subscriber(parts.rewardModelLink(), RoleKeys.REWARD_MODEL_KEY),
                        "reward-model-link");
            }
            if (topology.has(RoleKeys.TRAINER)) {
                startTrainer(ctx, plan, arbiter);
            }
            if (topology.has(RoleKeys.ROLLOUT)) {
                ctx.watch(ctx.spawn(RolloutRole.create(parts, arbiter, plan.syncs()), "rollout"));
            }
            if (topology.has(RoleKeys.MASTER)) {
                startMaster(ctx, plan);
            }
            if (topology.cluster()) {
                ctx.spawn(NodeLink.create(plan), "node-link");
            }
            return Behaviors.<Void>receive(Void.class)
                    .onSignal(ChildFailed.class, f -> {
                        plan.failure().accept(new RoleFailedException("role " + f.getRef().path().name()
                                + " failed: " + f.getCause().getMessage(), f.getCause()));
                        return Behaviors.same();
                    })
                    .onSignal(Terminated.class, t -> {
                        plan.failure().accept(new RoleFailedException("role " + t.getRef().path().name()
                                + " stopped before the run finished", null));
                        return Behaviors.same();
                    })
                    .build();
        });
    }

    private static void startTrainer(ActorContext<Void> ctx, Plan plan, ActorRef<DeviceArbiter.Command> arbiter) {
        RunParts parts = plan.parts();
        Consumer<FlatWeights> sink = parts.weightSync().publisher(ctx);
        Consumer<FlatWeights> publish = sink == null ? null : w -> {
            plan.syncs().put(w.version(), w.checksum());
            sink.accept(w);
        };
        if (publish != null) {
            // The weights after warm-up, or, on a node that will load a checkpoint, a placeholder that lets rollout
            // nodes start; the master has every worker load the checkpoint's weights before it sends any work.
            publish.accept(FlatWeights.export(parts.policy().params(), PolicyVersion.INITIAL));
        }
        var trainer = ctx.spawn(Trainer.create(parts.policy(), parts.optimizer(), parts.trainerStep(), parts.task(),
                parts.trainerSettings(), PolicyVersion.INITIAL, arbiter, publish, partsOf(plan)), "trainer",
                DispatcherSelector.blocking());
        ctx.watch(trainer);
        ctx.getSystem().receptionist().tell(Receptionist.register(RoleKeys.TRAINER_KEY, trainer));
        if (plan.sftMeasured() != null) {
            ctx.spawn(StartingPoint.offer(plan.sftMeasured(), parts.heldOut(), parts.masterSettings().evalMaxTokens()),
                    "rl-start");
        }
    }

    private static void startMaster(ActorContext<Void> ctx, Plan plan) {
        RunParts parts = plan.parts();
        ctx.spawn(StartingPoint.watch(parts.heldOut(), parts.masterSettings().evalMaxTokens(), plan.sftAccuracy(),
                plan.rolloutWorkers()), "rl-start-watch");
        int workers = parts.topology().cluster() ? parts.settings().cluster().minRolloutWorkers()
                : parts.settings().rollout().workers();
        Behavior<MasterRole.Command> master = MasterRole.create(parts, plan, workers);
        if (parts.topology().cluster()) {
            ClusterSingleton.get(ctx.getSystem()).init(SingletonActor.of(master, "master")
                    .withSettings(ClusterSingletonSettings.create(ctx.getSystem()).withRole(RoleKeys.MASTER)));
        } else {
            ctx.watch(ctx.spawn(master, "master"));
        }
    }

    private static CheckpointParts partsOf(Plan plan) {
        return plan.store() == null ? CheckpointParts.NONE : plan.store();
    }

    /** A failure's message in one line (its class name when it has none). */
    static String oneLine(Throwable t) {
        String m = t.getMessage();
        return m == null || m.isBlank() ? t.getClass().getSimpleName() : m.replaceAll("\\s*\\R\\s*", " ");
    }

    /** A role failed or stopped before the run finished. */
    static final class RoleFailedException extends RuntimeException {
        RoleFailedException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
