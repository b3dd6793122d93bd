package dev.tributary.runtime.internal;

import dev.tributary.actors.device.DeviceArbiter;
import dev.tributary.actors.replay.ReplayBuffer;
import dev.tributary.actors.reward.RewardActor;
import dev.tributary.actors.rollout.RolloutBehavior;
import dev.tributary.actors.rollout.RolloutWork;
import dev.tributary.actors.rollout.RolloutWorker;
import dev.tributary.actors.stream.SegmentPipeline;
import dev.tributary.model.PolicyVersion;
import dev.tributary.model.policy.Params;
import dev.tributary.model.policy.Policy;
import dev.tributary.model.weights.FlatWeights;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.ChildFailed;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.receptionist.Receptionist;

/**
 * The rollout role of a node: once a reward actor and a replay buffer are registered, one segment stream to them
 * and {@code tributary.rollout.workers} workers of the chosen behaviour, each with a work-pulling consumer beside
 * it. A worker registers (and starts pulling) once it holds the run's current weights: at once when it shares the
 * trainer's parameters, after one fetch otherwise. A worker that fails fails the role, naming it.
 */
final class RolloutRole {
    /** Elements buffered in the segment stream's queue, per engine slot. */
    private static final int STREAM_BUFFER_PER_SLOT = 2;
    /** Trajectories scored at once by the reward stage of each stream. */
    private static final int REWARD_PARALLELISM = 4;
    /** Longest a reward function may take for one trajectory. */
    private static final Duration SCORE_TIMEOUT = Duration.ofMinutes(2);

    sealed interface Command {
    }

    private record Listed(Receptionist.Listing listing) implements Command {
    }

    private record Initial(FlatWeights weights, Throwable failure) implements Command {
    }

    private record WorkerLoaded(RolloutWorker.Loaded loaded) implements Command {
    }

    private RolloutRole() {
    }

    static Behavior<Command> create(RunParts parts, ActorRef<DeviceArbiter.Command> arbiter,
                                    Map<PolicyVersion, Long> syncs) {
        return Behaviors.setup(ctx -> {
            ActorRef<Receptionist.Listing> listings = ctx.messageAdapter(Receptionist.Listing.class, Listed::new);
            ctx.getSystem().receptionist().tell(Receptionist.subscribe(RoleKeys.REWARD_KEY, listings));
            ctx.getSystem().receptionist().tell(Receptionist.subscribe(RoleKeys.REPLAY_KEY, listings));
            return finding(parts, arbiter, syncs, null, null);
        });
    }

    private static Behavior<Command> finding(RunParts parts, ActorRef<DeviceArbiter.Command> arbiter,
                                             Map<PolicyVersion, Long> syncs, ActorRef<RewardActor.Command> reward,
                                             ActorRef<ReplayBuffer.Command> replay) {
        return Behaviors.receive(Command.class)
                .onMessage(Listed.class, m -> {
                    var l = m.listing();
                    var rw = l.isForKey(RoleKeys.REWARD_KEY)
                            ? l.getServiceInstances(RoleKeys.REWARD_KEY).stream().findFirst().orElse(null) : reward;
                    var rp = l.isForKey(RoleKeys.REPLAY_KEY)
                            ? l.getServiceInstances(RoleKeys.REPLAY_KEY).stream().findFirst().orElse(null) : replay;
                    if (rw == null || rp == null) {
                        return finding(parts, arbiter, syncs, rw, rp);
                    }
                    return Behaviors.setup(ctx -> startWorkers(ctx, parts, arbiter, syncs, rw, rp));
                })
                .build();
    }

    private static Behavior<Command> startWorkers(ActorContext<Command> ctx, RunParts parts,
                                                  ActorRef<DeviceArbiter.Command> arbiter,
                                                  Map<PolicyVersion, Long> syncs,
                                                  ActorRef<RewardActor.Command> reward,
                                                  ActorRef<ReplayBuffer.Command> replay) {
        var s = parts.settings().rollout();
        var pipeline = new SegmentPipeline(ctx.getSystem(), reward, replay, STREAM_BUFFER_PER_SLOT * s.slots(),
                REWARD_PARALLELISM, s.workers(), SCORE_TIMEOUT);
        if (dev.tributary.runtime.settings.MonitorSettings.of(parts.settings()).http()) {
            dev.tributary.runtime.monitor.NodeMetrics.get(ctx.getSystem()).bindSegmentStream(pipeline::waiting,
                    pipeline.capacity());
        }
        boolean shared = parts.weightSync().sharesParameters();
        // Without shared parameters this node generates with a copy of its own, loaded from the weight sync.
        Policy policy = shared || !parts.topology().has(RoleKeys.TRAINER) ? parts.policy()
                : new Policy(Params.initialise(parts.policy().config()));
        RolloutWorker.WeightSource source = parts.weightSync().source(ctx, FlatWeights.export(policy.params(),
                PolicyVersion.INITIAL).layout());
        // The node's workers share one policy: its checksum after a version's load is taken once.
        Consumer<PolicyVersion> onLoaded = shared ? v -> { }
                : v -> syncs.computeIfAbsent(v, x -> FlatWeights.export(policy.params(), x).checksum());
        RolloutBehavior behavior = parts.rolloutBehavior();
        String node = ctx.getSystem().address().hostPort();
        List<ActorRef<RolloutWorker.Command>> workers = new ArrayList<>();
        for (int w = 0; w < s.workers(); w++) {
            workers.add(ctx.spawn(behavior.create(new RolloutBehavior.Worker(node + "/rollout-" + w, parts.task(),
                    policy, parts.rolloutSettings(), pipeline, arbiter, source, onLoaded)), "rollout-" + w));
            ctx.watch(workers.get(w));
        }
        if (source == null) {
            workers.forEach(w -> offer(ctx, workers, w, pipeline));
        } else {
            // The trainer's current weights (after SFT, or the checkpoint's), whatever version they carry.
            ctx.pipeToSelf(source.fetch(PolicyVersion.INITIAL), Initial::new);
        }
        return Behaviors.receive(Command.class)
                .onMessage(Initial.class, i -> {
                    if (i.failure() != null) {
                        throw new IllegalStateException("rollout node " + node + " could not get the trainer's "
                                + "weights: " + i.failure().getMessage(), i.failure());
                    }
                    ActorRef<RolloutWorker.Loaded> loaded = ctx.messageAdapter(RolloutWorker.Loaded.class,
                            WorkerLoaded::new);
                    for (var worker : workers) {
                        worker.tell(new RolloutWorker.LoadWeights(i.weights().version(), i.weights(), loaded));
                    }
                    return Behaviors.same();
                })
                .onMessage(WorkerLoaded.class, l -> {
                    // A worker is offered only once it holds the weights, so no batch can overtake its load.
                    if (workers.contains(l.loaded().from())) {
                        offer(ctx, workers, l.loaded().from(), pipeline);
                    }
                    return Behaviors.same();
                })
                .onMessage(Listed.class, l -> Behaviors.same())
                .onSignal(ChildFailed.class, f -> {
                    throw new IllegalStateException("rollout worker " + f.getRef().path().name() + " failed: "
                            + f.getCause().getMessage(), f.getCause());
                })
                .onSignal(PostStop.class, p -> {
                    pipeline.close();
                    return Behaviors.same();
                })
                .build();
    }

    /** Offers one of the node's {@code workers} to the master and starts pulling work for it. */
    private static void offer(ActorContext<Command> ctx, List<ActorRef<RolloutWorker.Command>> workers,
                              ActorRef<RolloutWorker.Command> worker, SegmentPipeline pipeline) {
        ctx.getSystem().receptionist().tell(Receptionist.register(RoleKeys.ROLLOUT_KEY, worker));
        ctx.spawn(RolloutWork.consumer(worker, pipeline, RolloutWork.KEY), "rollout-" + workers.indexOf(worker)
                + "-work");
    }
}
