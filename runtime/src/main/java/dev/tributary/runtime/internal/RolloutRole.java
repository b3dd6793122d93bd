package dev.tributary.runtime.internal;

import dev.tributary.actors.device.DeviceArbiter;
import dev.tributary.actors.replay.ReplayBuffer;
import dev.tributary.actors.reward.RewardActor;
import dev.tributary.actors.rollout.RolloutBehavior;
import dev.tributary.actors.rollout.RolloutWork;
import dev.tributary.actors.rollout.RolloutWorker;
import dev.tributary.actors.rollout.TrajectorySink;
import dev.tributary.actors.stream.SegmentPipeline;
import dev.tributary.actors.stream.SegmentRoute;
import dev.tributary.model.Trajectory;
import dev.tributary.model.PolicyVersion;
import dev.tributary.model.policy.Params;
import dev.tributary.model.policy.Policy;
import dev.tributary.model.weights.FlatWeights;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.ChildFailed;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The rollout role of a node: once the master routes it to a reward actor and a replay buffer, one segment stream to
 * them and {@code tributary.rollout.workers} workers of the chosen behaviour, each with a work-pulling consumer beside
 * it. A worker registers (and starts pulling) once it holds the run's current weights: at once when it shares the
 * trainer's parameters, after one fetch otherwise. A worker that fails fails the role, naming it.
 *
 * <p>The master routes the node again when the active reward actor or replay buffer was replaced (its node was
 * lost): the stream to them is then replaced by one to the new pair, before the master sends work again. While the
 * stream is broken, what the node's workers emit is dropped (it belongs to iterations the run rewinds over).
 */
final class RolloutRole {
    private static final Logger LOG = LoggerFactory.getLogger(RolloutRole.class);
    /** Elements buffered in the segment stream's queue, per engine slot. */
    private static final int STREAM_BUFFER_PER_SLOT = 2;
    /** Trajectories scored at once by the reward stage of each stream. */
    private static final int REWARD_PARALLELISM = 4;
    /** Longest a reward function may take for one trajectory. */
    private static final Duration SCORE_TIMEOUT = Duration.ofMinutes(2);

    sealed interface Command {
    }

    /** From this role's router child: never leaves the node. */
    private record Routing(SegmentRoute.Route route) implements Command, NoSerializationVerificationNeeded {
    }

    private record Initial(FlatWeights weights, Throwable failure) implements Command {
    }

    private record WorkerLoaded(RolloutWorker.Loaded loaded) implements Command {
    }

    private final ActorContext<Command> ctx;
    private final RunParts parts;
    private final ActorRef<DeviceArbiter.Command> arbiter;
    private final Map<PolicyVersion, Long> syncs;
    private final ActorRef<SegmentRoute.Command> router;
    private final String node;
    /** Where the node's trajectories go; set by the master's first route. */
    private RoutedSink sink;

    private RolloutRole(ActorContext<Command> ctx, RunParts parts, ActorRef<DeviceArbiter.Command> arbiter,
                        Map<PolicyVersion, Long> syncs) {
        this.ctx = ctx;
        this.parts = parts;
        this.arbiter = arbiter;
        this.syncs = syncs;
        this.node = ctx.getSystem().address().hostPort();
        ActorRef<Command> self = ctx.getSelf();
        this.router = ctx.spawn(Behaviors.receive(SegmentRoute.Command.class)
                .onMessage(SegmentRoute.Route.class, r -> {
                    self.tell(new Routing(r));
                    return Behaviors.same();
                }).build(), "router");
        ctx.getSystem().receptionist().tell(Receptionist.register(RoleKeys.ROUTE_KEY, router));
    }

    static Behavior<Command> create(RunParts parts, ActorRef<DeviceArbiter.Command> arbiter,
                                    Map<PolicyVersion, Long> syncs) {
        return Behaviors.setup(ctx -> new RolloutRole(ctx, parts, arbiter, syncs).unrouted());
    }

    /** Before the master's first route: no stream, no workers. */
    private Behavior<Command> unrouted() {
        return Behaviors.receive(Command.class)
                .onMessage(Routing.class, r -> {
                    var route = r.route();
                    sink = new RoutedSink(node, pipeline(route), route);
                    route.replyTo().tell(new SegmentRoute.Routed(node, router));
                    return startWorkers();
                })
                .build();
    }

    private SegmentPipeline pipeline(SegmentRoute.Route route) {
        var s = parts.settings().rollout();
        return new SegmentPipeline(ctx.getSystem(), route.reward(), route.replay(), STREAM_BUFFER_PER_SLOT * s.slots(),
                REWARD_PARALLELISM, s.workers(), SCORE_TIMEOUT);
    }

    private Behavior<Command> startWorkers() {
        var s = parts.settings().rollout();
        if (dev.tributary.runtime.settings.MonitorSettings.of(parts.settings()).http()) {
            // The routed stream's queue, whichever pipeline it is now.
            dev.tributary.runtime.monitor.NodeMetrics.get(ctx.getSystem()).bindSegmentStream(sink::waiting,
                    sink.capacity());
        }
        boolean shared = parts.weightSync().sharesParameters();
        // Without shared parameters this node generates with a copy of its own, loaded from the weight sync.
        Policy policy = shared || !parts.topology().has(RoleKeys.TRAINER) ? parts.policy()
                : new Policy(Params.initialise(parts.policy().config()));
        RolloutWorker.WeightSource source = parts.weightSync().source(ctx, FlatWeights.export(policy.params(),
                PolicyVersion.INITIAL).layout());
        RolloutBehavior behavior = parts.rolloutBehavior();
        List<ActorRef<RolloutWorker.Command>> workers = new ArrayList<>();
        for (int w = 0; w < s.workers(); w++) {
            // Asynchronous runs with fetched weights: each worker loads its own copy, so that one switching versions
            // (in the middle of a batch) never changes another's. Synchronous runs switch every worker between
            // iterations, with nothing generating, so the node's workers share one. A version's checksum is taken
            // by the first worker that holds it.
            Policy own = shared || w == 0 || !parts.phasesOverlap() ? policy
                    : new Policy(Params.initialise(policy.config()));
            Consumer<PolicyVersion> onLoaded = shared ? v -> { }
                    : v -> syncs.computeIfAbsent(v, x -> FlatWeights.export(own.params(), x).checksum());
            workers.add(ctx.spawn(behavior.create(new RolloutBehavior.Worker(node + "/rollout-" + w, parts.task(),
                    own, parts.rolloutSettings(), sink, arbiter, source, onLoaded)), "rollout-" + w));
            ctx.watch(workers.get(w));
        }
        if (source == null) {
            workers.forEach(w -> offer(workers, w));
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
                        offer(workers, l.loaded().from());
                    }
                    return Behaviors.same();
                })
                .onMessage(Routing.class, r -> {
                    var route = r.route();
                    if (!sink.goesTo(route)) {
                        sink.replace(pipeline(route), route);
                        ctx.getLog().info("rollout node {} streams to reward {} and replay {} from now on", node,
                                route.reward().path(), route.replay().path());
                    }
                    route.replyTo().tell(new SegmentRoute.Routed(node, router));
                    return Behaviors.same();
                })
                .onSignal(ChildFailed.class, f -> {
                    throw new IllegalStateException("rollout worker " + f.getRef().path().name() + " failed: "
                            + f.getCause().getMessage(), f.getCause());
                })
                .onSignal(PostStop.class, p -> {
                    sink.close();
                    return Behaviors.same();
                })
                .build();
    }

    /** Offers one of the node's {@code workers} to the master and starts pulling work for it. */
    private void offer(List<ActorRef<RolloutWorker.Command>> workers, ActorRef<RolloutWorker.Command> worker) {
        ctx.getSystem().receptionist().tell(Receptionist.register(RoleKeys.ROLLOUT_KEY, worker));
        ctx.spawn(RolloutWork.consumer(worker, sink, RolloutWork.KEY), "rollout-" + workers.indexOf(worker)
                + "-work");
    }

    /**
     * The node's trajectory sink: the segment stream to the reward actor and replay buffer the master routed the
     * node to, replaced when it routes the node again. A trajectory emitted into a broken stream is dropped (its
     * iteration is rewound over; the first drop of each stream is logged), so a worker outlives the loss of the
     * buffer's node instead of failing its node.
     */
    static final class RoutedSink implements TrajectorySink, AutoCloseable {
        private record Current(SegmentPipeline pipeline, ActorRef<RewardActor.Command> reward,
                               ActorRef<ReplayBuffer.Command> replay, AtomicLong dropped) {
        }

        private final String node;
        private volatile Current current;

        RoutedSink(String node, SegmentPipeline pipeline, SegmentRoute.Route route) {
            this.node = node;
            this.current = new Current(pipeline, route.reward(), route.replay(), new AtomicLong());
        }

        /** True when the stream goes to {@code route}'s pair and is not broken. */
        boolean goesTo(SegmentRoute.Route route) {
            Current c = current;
            return c.reward().equals(route.reward()) && c.replay().equals(route.replay()) && !c.pipeline().broken();
        }

        /** From now on trajectories go into {@code pipeline} (to {@code route}'s pair); the old stream is closed. */
        void replace(SegmentPipeline pipeline, SegmentRoute.Route route) {
            Current old = current;
            current = new Current(pipeline, route.reward(), route.replay(), new AtomicLong());
            old.pipeline().close();
        }

        @Override
        public void emit(Trajectory trajectory) throws InterruptedException {
            Current c = current;
            try {
                c.pipeline().emit(trajectory);
            } catch (IllegalStateException e) {
                if (!c.pipeline().broken()) {
                    throw e;
                }
                if (c.dropped().getAndIncrement() == 0) {
                    LOG.warn("rollout node {}: the segment stream to replay {} is broken; trajectories are dropped "
                            + "until the master routes this node again (the run rewinds over them)", node,
                            c.replay().path());
                }
            }
        }

        @Override
        public CompletionStage<Void> flush() {
            return current.pipeline().flush();
        }

        /** Trajectories waiting in the current stream's queue (or offered to it while full). */
        int waiting() {
            return current.pipeline().waiting();
        }

        int capacity() {
            return current.pipeline().capacity();
        }

        @Override
        public void close() {
            current.pipeline().close();
        }
    }
}
