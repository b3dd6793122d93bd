package dev.tributary.runtime.cluster;

import dev.tributary.actors.device.DeviceArbiter;
import dev.tributary.actors.master.Checkpointer;
import dev.tributary.actors.master.IterationReport;
import dev.tributary.actors.master.Master;
import dev.tributary.actors.replay.ReplayBuffer;
import dev.tributary.actors.reward.RewardActor;
import dev.tributary.actors.reward.RewardFunctions;
import dev.tributary.actors.rollout.EngineRunner;
import dev.tributary.actors.rollout.RolloutWork;
import dev.tributary.actors.rollout.RolloutWorker;
import dev.tributary.actors.stream.SegmentPipeline;
import dev.tributary.actors.trainer.Trainer;
import dev.tributary.model.PolicyVersion;
import dev.tributary.model.engine.InferenceEngine;
import dev.tributary.model.weights.FlatWeights;
import dev.tributary.model.weights.WeightLayout;
import dev.tributary.runtime.job.JobParts;
import dev.tributary.sandbox.Sandbox;
import dev.tributary.streams.weights.WeightFetch;
import dev.tributary.streams.weights.WeightPublisher;
import dev.tributary.streams.weights.WeightSyncSettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.ChildFailed;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;
import org.apache.pekko.cluster.typed.ClusterSingleton;
import org.apache.pekko.cluster.typed.ClusterSingletonSettings;
import org.apache.pekko.cluster.typed.SingletonActor;

/**
 * The guardian of a cluster node: starts the actors of the node's roles and registers them with the Receptionist.
 * The trainer publishes every version's weights through a {@link WeightPublisher}; rollout workers fetch them in
 * chunks (the initial, post-SFT weights before they register). The master is a cluster singleton that waits until
 * the replay buffer, the reward actor, the trainer and enough rollout workers are registered, then drives the run
 * over the remote references exactly as the embedded guardian's master does.
 */
public final class NodeGuardian {
    private static final Duration LOOKUP = Duration.ofSeconds(10);

    private NodeGuardian() {
    }

    /**
     * @param minRolloutWorkers rollout workers the master waits for before the first iteration
     * @param done              completed with the master's result on the node hosting the singleton
     * @param syncs             per version, the checksum of the weights this node published (trainer) or holds
     *                          right after loading them (rollout)
     * @param trainerDecorator  wraps the trainer's behaviour (tests observe its batches); identity otherwise
     */
    static Behavior<Void> create(JobParts parts, Set<String> roles, int minRolloutWorkers,
                                 Consumer<IterationReport> listener, Supplier<Sandbox> sandbox,
                                 CompletableFuture<Master.Finished> done, Map<PolicyVersion, Long> syncs,
                                 UnaryOperator<Behavior<Trainer.Command>> trainerDecorator) {
        return Behaviors.setup(ctx -> {
            var s = parts.settings();
            var arbiter = ctx.spawn(DeviceArbiter.create(parts.deviceBudgetBytes()), "device");
            var blocking = ctx.getSystem().dispatchers().lookup(DispatcherSelector.blocking());
            var receptionist = ctx.getSystem().receptionist();
            WeightSyncSettings sync = WeightSyncSettings.fromConfig(s.config());
            if (roles.contains(RoleKeys.REPLAY)) {
                var replay = ctx.spawn(ReplayBuffer.create(s.replay().capacity(), s.sampler().samplesPerPrompt()),
                        "replay");
                receptionist.tell(Receptionist.register(RoleKeys.REPLAY_KEY, replay));
            }
            if (roles.contains(RoleKeys.REWARD)) {
                var reward = ctx.spawn(RewardActor.create(parts.rewardFactory().apply(
                        new RewardFunctions.Context(parts.task(), sandbox)), parts.shaping(), blocking), "reward");
                receptionist.tell(Receptionist.register(RoleKeys.REWARD_KEY, reward));
            }
            if (roles.contains(RoleKeys.TRAINER)) {
                var publisher = ctx.spawn(WeightPublisher.create(sync), "weights");
                ActorRef<WeightPublisher.PublishResult> ignore = ctx.getSystem().ignoreRef();
                Consumer<FlatWeights> publish = w -> {
                    syncs.put(w.version(), w.checksum());
                    publisher.tell(new WeightPublisher.Publish(w, ignore));
                };
                publish.accept(FlatWeights.export(parts.policy().params(), PolicyVersion.INITIAL));
                var trainer = ctx.spawn(trainerDecorator.apply(Trainer.create(parts.policy(), parts.optimizer(),
                        parts.loss(), parts.task(), parts.trainerSettings(), PolicyVersion.INITIAL, arbiter,
                        publish)), "trainer", DispatcherSelector.blocking());
                receptionist.tell(Receptionist.register(RoleKeys.TRAINER_KEY, trainer));
            }
            if (roles.contains(RoleKeys.ROLLOUT)) {
                ctx.spawn(rolloutNode(parts, arbiter, sync, syncs), "rollout");
            }
            if (roles.contains(RoleKeys.MASTER)) {
                ClusterSingleton.get(ctx.getSystem()).init(SingletonActor.of(
                        masterBootstrap(parts, minRolloutWorkers, arbiter, listener, done), "master")
                        .withSettings(ClusterSingletonSettings.create(ctx.getSystem()).withRole(RoleKeys.MASTER)));
            }
            return Behaviors.<Void>receive(Void.class)
                    .onSignal(ChildFailed.class, f -> {
                        done.completeExceptionally(new IllegalStateException("role " + f.getRef().path().name()
                                + " failed: " + f.getCause().getMessage(), f.getCause()));
                        return Behaviors.same();
                    })
                    .build();
        });
    }

    /**
     * The rollout role: once the reward actor, the replay buffer and the trainer's weight publisher are found, a
     * segment stream to the first two and the workers; each worker loads the trainer's current weights before it
     * registers.
     */
    private static Behavior<Receptionist.Listing> rolloutNode(JobParts parts, ActorRef<DeviceArbiter.Command> arbiter,
                                                              WeightSyncSettings sync, Map<PolicyVersion, Long> syncs) {
        return Behaviors.setup(ctx -> {
            ctx.getSystem().receptionist().tell(Receptionist.subscribe(RoleKeys.REWARD_KEY, ctx.getSelf()));
            ctx.getSystem().receptionist().tell(Receptionist.subscribe(RoleKeys.REPLAY_KEY, ctx.getSelf()));
            ctx.getSystem().receptionist().tell(Receptionist.subscribe(WeightPublisher.SERVICE_KEY, ctx.getSelf()));
            List<ActorRef<RewardActor.Command>> reward = new ArrayList<>();
            List<ActorRef<ReplayBuffer.Command>> replay = new ArrayList<>();
            boolean[] publisher = {false};
            return Behaviors.receive(Receptionist.Listing.class)
                    .onMessage(Receptionist.Listing.class, l -> {
                        if (l.isForKey(RoleKeys.REWARD_KEY)) {
                            reward.clear();
                            reward.addAll(l.getServiceInstances(RoleKeys.REWARD_KEY));
                        } else if (l.isForKey(RoleKeys.REPLAY_KEY)) {
                            replay.clear();
                            replay.addAll(l.getServiceInstances(RoleKeys.REPLAY_KEY));
                        } else if (l.isForKey(WeightPublisher.SERVICE_KEY)) {
                            publisher[0] = !l.getServiceInstances(WeightPublisher.SERVICE_KEY).isEmpty();
                        }
                        if (reward.isEmpty() || replay.isEmpty() || !publisher[0]) {
                            return Behaviors.same();
                        }
                        startWorkers(ctx.getSystem(), ctx, parts, arbiter, sync, syncs, reward.get(0), replay.get(0));
                        return Behaviors.ignore();
                    })
                    .build();
        });
    }

    private static void startWorkers(ActorSystem<?> system, org.apache.pekko.actor.typed.javadsl.ActorContext<?> ctx,
                                     JobParts parts, ActorRef<DeviceArbiter.Command> arbiter, WeightSyncSettings sync,
                                     Map<PolicyVersion, Long> syncs, ActorRef<RewardActor.Command> reward,
                                     ActorRef<ReplayBuffer.Command> replay) {
        var s = parts.settings();
        int workers = s.rollout().workers();
        var pipeline = new SegmentPipeline(system, reward, replay, 2 * s.rollout().slots(), 4, workers,
                Duration.ofMinutes(2));
        WeightLayout layout = FlatWeights.export(parts.policy().params(), PolicyVersion.INITIAL).layout();
        // The node's workers share one policy: one fetch per version serves them all.
        Map<PolicyVersion, CompletionStage<FlatWeights>> latest = new HashMap<>();
        RolloutWorker.WeightSource source = version -> {
            synchronized (latest) {
                CompletionStage<FlatWeights> f = latest.get(version);
                if (f == null) {
                    latest.clear();
                    f = fetch(system, version, layout, sync);
                    latest.put(version, f);
                }
                return f;
            }
        };
        for (int w = 0; w < workers; w++) {
            String name = system.address().hostPort() + "/rollout-" + w;
            var worker = ctx.spawn(RolloutWorker.create(name, EngineRunner.factory(new InferenceEngine(
                    parts.policy().params(), s.rollout().slots(), s.model().engine()), parts.rolloutSettings(), pipeline),
                    arbiter, source,
                    // The node's workers share one policy: its checksum after a version's load is taken once.
                    v -> syncs.computeIfAbsent(v, x -> FlatWeights.export(parts.policy().params(), x).checksum())),
                    "rollout-" + w);
            // The initial weights are the trainer's after SFT: load them, then offer the worker to the master and
            // start pulling work for it.
            ctx.spawn(Behaviors.<RolloutWorker.Loaded>setup(c -> {
                worker.tell(new RolloutWorker.LoadWeights(PolicyVersion.INITIAL, null, c.getSelf()));
                return Behaviors.receive(RolloutWorker.Loaded.class).onMessage(RolloutWorker.Loaded.class, l -> {
                    system.receptionist().tell(Receptionist.register(RoleKeys.ROLLOUT_KEY, worker));
                    c.spawn(RolloutWork.consumer(worker, pipeline, RolloutWork.KEY), "consumer");
                    return Behaviors.empty();
                }).build();
            }), "rollout-" + w + "-work");
        }
    }

    private static CompletionStage<FlatWeights> fetch(ActorSystem<?> system, PolicyVersion version,
                                                      WeightLayout layout, WeightSyncSettings sync) {
        CompletionStage<Receptionist.Listing> found = AskPattern.ask(system.receptionist(),
                r -> Receptionist.find(WeightPublisher.SERVICE_KEY, r), LOOKUP, system.scheduler());
        return found.thenCompose(l -> {
            Set<ActorRef<org.apache.pekko.util.ByteString>> publishers = l.getServiceInstances(WeightPublisher.SERVICE_KEY);
            if (publishers.isEmpty()) {
                return CompletableFuture.failedFuture(new IllegalStateException("no weight publisher (trainer node) "
                        + "is registered in the cluster"));
            }
            return WeightFetch.fetch(system, publishers.iterator().next(), version, layout, sync);
        }).thenApply(result -> {
            if (result instanceof WeightFetch.Fetched f) {
                return f.weights();
            }
            throw new IllegalStateException(((WeightFetch.FetchFailed) result).message());
        });
    }

    /** The master singleton: waits for every role, then runs the master over the remote references. */
    private static Behavior<Receptionist.Listing> masterBootstrap(JobParts parts, int minRolloutWorkers,
                                                                  ActorRef<DeviceArbiter.Command> arbiter,
                                                                  Consumer<IterationReport> listener,
                                                                  CompletableFuture<Master.Finished> done) {
        return Behaviors.<Receptionist.Listing>setup(ctx -> {
            for (ServiceKey<?> key : List.of(RoleKeys.ROLLOUT_KEY, RoleKeys.REWARD_KEY, RoleKeys.REPLAY_KEY,
                    RoleKeys.TRAINER_KEY)) {
                ctx.getSystem().receptionist().tell(Receptionist.subscribe(key, ctx.getSelf()));
            }
            var found = new Object() {
                List<ActorRef<RolloutWorker.Command>> workers = List.of();
                ActorRef<RewardActor.Command> reward;
                ActorRef<ReplayBuffer.Command> replay;
                ActorRef<Trainer.Command> trainer;
            };
            return Behaviors.receive(Receptionist.Listing.class)
                    .onMessage(Receptionist.Listing.class, l -> {
                        if (l.isForKey(RoleKeys.ROLLOUT_KEY)) {
                            found.workers = l.getServiceInstances(RoleKeys.ROLLOUT_KEY).stream()
                                    .sorted(Comparator.comparing(r -> r.path().toString())).toList();
                        } else if (l.isForKey(RoleKeys.REWARD_KEY)) {
                            found.reward = l.getServiceInstances(RoleKeys.REWARD_KEY).stream().findFirst().orElse(null);
                        } else if (l.isForKey(RoleKeys.REPLAY_KEY)) {
                            found.replay = l.getServiceInstances(RoleKeys.REPLAY_KEY).stream().findFirst().orElse(null);
                        } else if (l.isForKey(RoleKeys.TRAINER_KEY)) {
                            found.trainer = l.getServiceInstances(RoleKeys.TRAINER_KEY).stream().findFirst().orElse(null);
                        }
                        if (found.workers.size() < minRolloutWorkers || found.reward == null || found.replay == null
                                || found.trainer == null) {
                            return Behaviors.same();
                        }
                        // No checkpoints across nodes yet: a snapshot (weights and Adam state) is larger than a
                        // remote frame; it must be written on the trainer's node.
                        var master = ctx.spawn(Master.create(parts.masterSettings(0), parts.sampler(),
                                new Master.Roles(found.workers, found.replay, found.reward, found.trainer, arbiter),
                                listener, Checkpointer.NONE), "driver");
                        ActorRef<Master.Finished> finished = ctx.spawn(Behaviors.receive(Master.Finished.class)
                                .onMessage(Master.Finished.class, f -> {
                                    done.complete(f);
                                    return Behaviors.stopped();
                                }).build(), "finish");
                        master.tell(new Master.Start(1, PolicyVersion.INITIAL, List.of(), finished));
                        return Behaviors.ignore();
                    })
                    .build();
        });
    }
}
