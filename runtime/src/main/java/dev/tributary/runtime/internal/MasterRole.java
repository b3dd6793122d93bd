package dev.tributary.runtime.internal;

import dev.tributary.actors.checkpoint.PartReply;
import dev.tributary.actors.device.DeviceArbiter;
import dev.tributary.actors.master.Checkpointer;
import dev.tributary.actors.master.Master;
import dev.tributary.actors.replay.ReplayBuffer;
import dev.tributary.actors.reward.RewardActor;
import dev.tributary.actors.rollout.RolloutWork;
import dev.tributary.actors.rollout.RolloutWorker;
import dev.tributary.actors.stream.SegmentRoute;
import dev.tributary.actors.trainer.Trainer;
import dev.tributary.model.PolicyVersion;
import dev.tributary.runtime.internal.checkpoint.Checkpoint;
import java.io.IOException;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Predicate;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.ChildFailed;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.Terminated;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;

/**
 * The master role of a node: finds the other roles through the Receptionist (the same way in one JVM and on a
 * cluster, where this is a singleton), waits until the replay buffer, the reward actor, the trainer and enough
 * rollout workers are registered, then runs a master over them with the chosen driver. A resumed run first has
 * the trainer and the replay buffer load their parts of the checkpoint.
 *
 * <p>A cluster may carry several reward actors and replay buffers (standbys); one of each is active: the one the
 * run uses while it lives; before the run starts, and once it is lost, the first live one by node address. This role routes every rollout node's segment
 * stream to the active pair ({@link SegmentRoute}), so trajectories reach the buffer the master reads from.
 *
 * <p>When the trainer is lost, the master drains the rollouts that are out and stops; when the replay buffer or the
 * reward actor is lost, the master stops and every rollout worker is quiesced (what it emits into the broken stream
 * is dropped). This role then waits up to {@code tributary.cluster.recovery-timeout} for the role to be there again
 * (a standby, a restarted pod, or a node started by hand), routes the rollout nodes to the active pair, rewinds the
 * run to the newest complete checkpoint (trainer and replay buffer load their parts, every worker loads its weights,
 * the metrics of later iterations are dropped) and starts a new master from there. The run is a function of its
 * seed, so it ends with the weights of the run that lost nothing. Past the timeout the run fails with one line
 * naming the role.
 */
final class MasterRole {
    sealed interface Command {
    }

    private record Listed(Receptionist.Listing listing) implements Command {
    }

    private record Ended(Master.Finished finished) implements Command {
    }

    private record GotPart(PartReply reply) implements Command {
    }

    private record GaveUp() implements Command {
    }

    private static final List<ServiceKey<?>> KEYS = List.of(RoleKeys.ROLLOUT_KEY, RoleKeys.REWARD_KEY,
            RoleKeys.REPLAY_KEY, RoleKeys.TRAINER_KEY, RoleKeys.ARBITER_KEY, RoleKeys.ROUTE_KEY);

    /**
     * What has been found so far: everything listed, and the active reward actor, replay buffer and trainer chosen
     * among them ({@link #picked}); {@code gone} are refs of lost roles that may still be listed for a while.
     */
    private record Found(List<ActorRef<RolloutWorker.Command>> workers, Set<ActorRef<RewardActor.Command>> rewards,
                         Set<ActorRef<ReplayBuffer.Command>> replays, Set<ActorRef<Trainer.Command>> trainers,
                         List<ActorRef<DeviceArbiter.Command>> arbiters, Set<ActorRef<SegmentRoute.Command>> routers,
                         ActorRef<RewardActor.Command> reward, ActorRef<ReplayBuffer.Command> replay,
                         ActorRef<Trainer.Command> trainer, Set<ActorRef<?>> gone) {
        static final Found NOTHING = new Found(List.of(), Set.of(), Set.of(), Set.of(), List.of(), Set.of(), null,
                null, null, Set.of());

        /** With a new listing; the active roles stay as they are (see {@link #picked}). */
        Found with(Receptionist.Listing l) {
            if (l.isForKey(RoleKeys.ROLLOUT_KEY)) {
                return new Found(listed(l.getServiceInstances(RoleKeys.ROLLOUT_KEY)).stream()
                        .sorted(Comparator.comparing(r -> r.path().toString())).toList(), rewards, replays, trainers,
                        arbiters, routers, reward, replay, trainer, gone);
            } else if (l.isForKey(RoleKeys.REWARD_KEY)) {
                return new Found(workers, listed(l.getServiceInstances(RoleKeys.REWARD_KEY)), replays, trainers,
                        arbiters, routers, reward, replay, trainer, gone);
            } else if (l.isForKey(RoleKeys.REPLAY_KEY)) {
                return new Found(workers, rewards, listed(l.getServiceInstances(RoleKeys.REPLAY_KEY)), trainers,
                        arbiters, routers, reward, replay, trainer, gone);
            } else if (l.isForKey(RoleKeys.TRAINER_KEY)) {
                return new Found(workers, rewards, replays, listed(l.getServiceInstances(RoleKeys.TRAINER_KEY)),
                        arbiters, routers, reward, replay, trainer, gone);
            } else if (l.isForKey(RoleKeys.ARBITER_KEY)) {
                return new Found(workers, rewards, replays, trainers, listed(l.getServiceInstances(RoleKeys.ARBITER_KEY))
                        .stream().sorted(Comparator.comparing(r -> r.path().toString())).toList(), routers, reward,
                        replay, trainer, gone);
            } else if (l.isForKey(RoleKeys.ROUTE_KEY)) {
                return new Found(workers, rewards, replays, trainers, arbiters,
                        listed(l.getServiceInstances(RoleKeys.ROUTE_KEY)), reward, replay, trainer, gone);
            }
            return this;
        }

        /**
         * The active reward actor, replay buffer and trainer: with {@code keep}, each stays while it is listed and
         * {@code alive}; otherwise the first live one in {@code order} (by node address) takes its place, or none.
         */
        Found picked(boolean keep, Predicate<ActorRef<?>> alive, Comparator<ActorRef<?>> order) {
            return new Found(workers, rewards, replays, trainers, arbiters, routers,
                    pick(rewards, keep ? reward : null, alive, order), pick(replays, keep ? replay : null, alive, order),
                    pick(trainers, keep ? trainer : null, alive, order), gone);
        }

        private static <T> ActorRef<T> pick(Set<ActorRef<T>> listed, ActorRef<T> current, Predicate<ActorRef<?>> alive,
                                            Comparator<ActorRef<?>> order) {
            if (current != null && listed.contains(current) && alive.test(current)) {
                return current;
            }
            return listed.stream().filter(alive::test).min(order).orElse(null);
        }

        Found without(ActorRef<?> lost) {
            Set<ActorRef<?>> g = new HashSet<>(gone);
            g.add(lost);
            return new Found(workers.stream().filter(w -> !w.equals(lost)).toList(), without(rewards, lost),
                    without(replays, lost), without(trainers, lost), arbiters, without(routers, lost),
                    lost.equals(reward) ? null : reward, lost.equals(replay) ? null : replay,
                    lost.equals(trainer) ? null : trainer, Set.copyOf(g));
        }

        private static <T> Set<ActorRef<T>> without(Set<ActorRef<T>> refs, ActorRef<?> lost) {
            return refs.stream().filter(r -> !r.equals(lost)).collect(java.util.stream.Collectors.toUnmodifiableSet());
        }

        /** The active instance of stateful role {@code role} ({@code trainer}, {@code replay} or {@code reward}). */
        ActorRef<?> active(String role) {
            return switch (role) {
                case RoleKeys.TRAINER -> trainer;
                case RoleKeys.REPLAY -> replay;
                default -> reward;
            };
        }

        boolean ready(int minWorkers) {
            return workers.size() >= minWorkers && reward != null && replay != null && trainer != null;
        }

        Master.Roles roles() {
            return new Master.Roles(workers, replay, reward, trainer, arbiters);
        }

        private <T> Set<ActorRef<T>> listed(Set<ActorRef<T>> refs) {
            return refs.stream().filter(r -> !gone.contains(r)).collect(java.util.stream.Collectors.toUnmodifiableSet());
        }
    }

    private record GotRouted(SegmentRoute.Routed routed) implements Command {
    }

    private record RouteTimedOut() implements Command {
    }

    private record GotQuiet(RolloutWorker.Quiet quiet) implements Command {
    }

    private record QuiesceTimedOut() implements Command {
    }

    private record Recheck() implements Command {
    }

    private record RecheckWorkers() implements Command {
    }

    /** The reward actor and replay buffer a rollout node was told to stream to. */
    private record Pair(ActorRef<RewardActor.Command> reward, ActorRef<ReplayBuffer.Command> replay) {
    }

    private static final Duration RECHECK = Duration.ofMillis(250);

    private final ActorContext<Command> ctx;
    private final TimerScheduler<Command> timers;
    private final RunParts parts;
    private final RoleWiring.Plan plan;
    private final int minWorkers;
    private final ActorRef<SegmentRoute.Routed> routedReplies;
    /** What each rollout node's router was last told. */
    private final Map<ActorRef<SegmentRoute.Command>, Pair> routed = new HashMap<>();
    private int generation;

    private MasterRole(ActorContext<Command> ctx, TimerScheduler<Command> timers, RunParts parts,
                       RoleWiring.Plan plan, int minWorkers) {
        this.ctx = ctx;
        this.timers = timers;
        this.parts = parts;
        this.plan = plan;
        this.minWorkers = minWorkers;
        this.routedReplies = ctx.messageAdapter(SegmentRoute.Routed.class, GotRouted::new);
    }

    static Behavior<Command> create(RunParts parts, RoleWiring.Plan plan, int minWorkers) {
        return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
            ActorRef<Receptionist.Listing> listings = ctx.messageAdapter(Receptionist.Listing.class, Listed::new);
            for (ServiceKey<?> key : KEYS) {
                ctx.getSystem().receptionist().tell(Receptionist.subscribe(key, listings));
            }
            return new MasterRole(ctx, timers, parts, plan, minWorkers).waiting(Found.NOTHING);
        }));
    }

    private Behavior<Command> waiting(Found found) {
        // Before the run starts nothing is in use yet: the first live roles by address, as they are listed.
        Found now = found.picked(false, this::alive, order());
        routeNew(now);
        if (!now.ready(minWorkers)) {
            if (now.reward() == null && !now.rewards().isEmpty() || now.replay() == null && !now.replays().isEmpty()
                    || now.trainer() == null && !now.trainers().isEmpty()) {
                // Listed, but its node is not settled in the cluster yet.
                timers.startSingleTimer(new Recheck(), RECHECK);
            }
            return Behaviors.receive(Command.class)
                    .onMessage(Listed.class, l -> waiting(now.with(l.listing())))
                    .onMessage(Recheck.class, r -> waiting(now))
                    .onMessage(GotRouted.class, r -> Behaviors.same())
                    .build();
        }
        timers.cancel(new Recheck());
        if (plan.resumeFrom() >= 0) {
            return routing(now, plan.resumeFrom());
        }
        int taken;
        try {
            taken = takenOver();
        } catch (IOException e) {
            // Checkpoints exist but none reads back: never restart such a run from scratch silently.
            return fail("the run's checkpoints in " + plan.store().directory() + " cannot be used: " + e.getMessage());
        }
        if (taken >= parts.settings().run().iterations()) {
            // The master that ran the run finished it before its node left: nothing is left to run.
            plan.progress().accept("the run's last checkpoint (after iteration " + taken + ") ends it; this node "
                    + "has nothing to take over");
            return Behaviors.ignore();
        }
        if (taken >= 0) {
            plan.progress().accept("this node takes over the run (its master was lost); it continues from the "
                    + "checkpoint after iteration " + taken + " once the " + now.workers().size()
                    + " rollout workers are quiet");
            return quiescing(now, f -> {
                plan.rewound().accept(taken);
                return routing(f, taken);
            });
        }
        return running(now, new Master.Start(1, PolicyVersion.INITIAL, List.of(), false,
                ctx.messageAdapter(Master.Finished.class, Ended::new)));
    }

    /**
     * The newest complete checkpoint when this master starts in a run that already has checkpoints: it took over
     * from a master that was lost (a fresh run refuses a checkpoint directory that holds any); -1 otherwise.
     */
    private int takenOver() throws IOException {
        if (plan.store() == null || !parts.topology().cluster()) {
            return -1;
        }
        return plan.store().newestIntact(plan.progress()).map(Checkpoint::iteration).orElse(-1);
    }

    /** Tells every rollout node that was not told yet where the active pair of {@code found} is. */
    private void routeNew(Found found) {
        if (found.reward() == null || found.replay() == null) {
            return;
        }
        Pair pair = new Pair(found.reward(), found.replay());
        for (var router : found.routers()) {
            if (!pair.equals(routed.get(router))) {
                route(router, pair);
            }
        }
    }

    private void route(ActorRef<SegmentRoute.Command> router, Pair pair) {
        routed.put(router, pair);
        router.tell(new SegmentRoute.Route(pair.reward(), pair.replay(), routedReplies));
    }

    /**
     * Every rollout worker abandons what it waits for and finishes what it generates, and answers once its output
     * is stored (or dropped, when its stream broke), so that none of the abandoned iterations' work reaches the
     * replay buffer after it loads the checkpoint; then {@code then}.
     */
    private Behavior<Command> quiescing(Found found, Function<Found, Behavior<Command>> then) {
        ActorRef<RolloutWorker.Quiet> replyTo = ctx.messageAdapter(RolloutWorker.Quiet.class, GotQuiet::new);
        found.workers().forEach(w -> w.tell(new RolloutWorker.Quiesce(replyTo)));
        timers.startSingleTimer(new QuiesceTimedOut(), parts.settings().cluster().recoveryTimeout());
        return awaitingQuiet(found, Set.copyOf(found.workers()), then);
    }

    private Behavior<Command> awaitingQuiet(Found found, Set<ActorRef<RolloutWorker.Command>> waiting,
                                            Function<Found, Behavior<Command>> then) {
        if (waiting.isEmpty()) {
            timers.cancel(new QuiesceTimedOut());
            return then.apply(found);
        }
        return Behaviors.receive(Command.class)
                .onMessage(GotQuiet.class, q -> {
                    Set<ActorRef<RolloutWorker.Command>> left = new HashSet<>(waiting);
                    left.remove(q.quiet().from());
                    return awaitingQuiet(found, Set.copyOf(left), then);
                })
                .onMessage(Listed.class, l -> {
                    Found now = found.with(l.listing());
                    Set<ActorRef<RolloutWorker.Command>> left = new HashSet<>(waiting);
                    left.retainAll(now.workers()); // a worker that is gone has nothing in flight
                    return awaitingQuiet(now, Set.copyOf(left), then);
                })
                .onMessage(QuiesceTimedOut.class, t -> {
                    plan.progress().accept("rollout workers " + waiting.stream().map(w -> w.path().toString())
                            .sorted().toList() + " did not answer within "
                            + parts.settings().cluster().recoveryTimeout().toSeconds() + " s; the run continues "
                            + "without waiting for them");
                    return awaitingQuiet(found, Set.of(), then);
                })
                .onMessage(GotRouted.class, r -> Behaviors.same())
                .build();
    }

    /**
     * Every rollout node is routed to the active pair, and answers once its stream goes there, before checkpoint
     * {@code c} is loaded and any work is sent (a node that does not answer within the recovery timeout is left).
     */
    private Behavior<Command> routing(Found found, int c) {
        Pair pair = new Pair(found.reward(), found.replay());
        found.routers().forEach(r -> route(r, pair));
        timers.startSingleTimer(new RouteTimedOut(), parts.settings().cluster().recoveryTimeout());
        return awaitingRouted(found, c, Set.copyOf(found.routers()));
    }

    private Behavior<Command> awaitingRouted(Found found, int c, Set<ActorRef<SegmentRoute.Command>> waiting) {
        if (waiting.isEmpty()) {
            timers.cancel(new RouteTimedOut());
            return restoring(found, c);
        }
        return Behaviors.receive(Command.class)
                .onMessage(GotRouted.class, r -> {
                    Set<ActorRef<SegmentRoute.Command>> left = new HashSet<>(waiting);
                    left.remove(r.routed().from());
                    return awaitingRouted(found, c, Set.copyOf(left));
                })
                .onMessage(Listed.class, l -> {
                    Found now = found.with(l.listing());
                    Set<ActorRef<SegmentRoute.Command>> left = new HashSet<>(waiting);
                    left.retainAll(now.routers()); // a node that is gone gets no work
                    for (var router : now.routers()) {
                        if (!found.routers().contains(router)) {
                            route(router, new Pair(found.reward(), found.replay()));
                            left.add(router);
                        }
                    }
                    return awaitingRouted(now, c, Set.copyOf(left));
                })
                .onMessage(RouteTimedOut.class, t -> {
                    plan.progress().accept("rollout nodes " + waiting.stream().map(r -> r.path().address().toString())
                            .sorted().toList() + " did not answer within "
                            + parts.settings().cluster().recoveryTimeout().toSeconds() + " s; the run continues "
                            + "without them");
                    return awaitingRouted(found, c, Set.of());
                })
                .build();
    }

    /** The trainer and the replay buffer load their parts of checkpoint {@code c}; then a master starts after it. */
    private Behavior<Command> restoring(Found found, int c) {
        Checkpoint checkpoint;
        try {
            checkpoint = plan.store().load(c);
        } catch (IOException e) {
            return fail("the run cannot continue from its checkpoint: " + e.getMessage());
        }
        // Statistics of the abandoned iterations go with them.
        parts.sampler().restore(checkpoint.samplerStats());
        ActorRef<PartReply> replyTo = ctx.messageAdapter(PartReply.class, GotPart::new);
        found.trainer().tell(new Trainer.LoadPart(c, replyTo));
        found.replay().tell(new ReplayBuffer.LoadPart(c, replyTo));
        timers.startSingleTimer(new GaveUp(), parts.settings().cluster().recoveryTimeout());
        var start = new Master.Start(c + 1, checkpoint.weights().version(), List.of(), true,
                ctx.messageAdapter(Master.Finished.class, Ended::new), checkpoint.nextRound());
        return loading(found, start, Set.of(Trainer.PART, ReplayBuffer.PART));
    }

    private Behavior<Command> loading(Found found, Master.Start start, Set<String> awaiting) {
        if (awaiting.isEmpty()) {
            timers.cancelAll();
            return running(found, start);
        }
        return Behaviors.receive(Command.class)
                .onMessage(GotPart.class, g -> {
                    if (g.reply() instanceof PartReply.Failed f) {
                        return fail("the " + f.part() + " could not load the checkpoint after iteration "
                                + f.iteration() + ": " + f.reason());
                    }
                    Set<String> left = new HashSet<>(awaiting);
                    left.remove(g.reply().part());
                    return loading(found, start, Set.copyOf(left));
                })
                .onMessage(Listed.class, l -> loading(found.with(l.listing()), start, awaiting))
                .onMessage(GotRouted.class, r -> Behaviors.same())
                .onMessage(GaveUp.class, g -> fail("the roles did not load the checkpoint after iteration "
                        + (start.iteration() - 1) + " within tributary.cluster.recovery-timeout"))
                .build();
    }

    private Behavior<Command> running(Found found, Master.Start start) {
        var setup = new Master.Setup(parts.masterSettings(), parts.sampler(), found.roles(), plan.listener(),
                checkpointer(), plan.stopRequested(), RolloutWork.KEY, parts.driver());
        // A lost role is an outcome this role handles (ChildFailed below), not a fault: no error log, no trace.
        var master = ctx.spawn(Behaviors.supervise(Master.create(setup)).onFailure(Master.RoleLost.class,
                SupervisorStrategy.stop().withLoggingEnabled(false)), "driver-" + ++generation);
        ctx.watch(master);
        master.tell(start);
        return runningWith(found, master);
    }

    private Checkpointer checkpointer() {
        if (plan.store() == null) {
            return Checkpointer.NONE;
        }
        long[] seed = {parts.settings().run().seed()};
        return (state, written) -> {
            long start = System.nanoTime();
            plan.store().commit(state, seed, written);
            double seconds = (System.nanoTime() - start) / 1e9;
            List<PartReply.Written> all = new java.util.ArrayList<>(written);
            all.add(new PartReply.Written(RoleKeys.MASTER, state.iteration(),
                    plan.store().masterBytes(state.iteration()), 0, seconds));
            plan.checkpointed().accept(all);
        };
    }

    private Behavior<Command> runningWith(Found found, ActorRef<Master.Command> master) {
        return Behaviors.receive(Command.class)
                .onMessage(Ended.class, e -> {
                    plan.done().complete(e.finished());
                    return Behaviors.stopped();
                })
                .onMessage(Listed.class, l -> {
                    // The active roles stay those the master runs with; a rollout node that joins is routed to them.
                    Found now = found.with(l.listing());
                    if (l.listing().isForKey(RoleKeys.ROLLOUT_KEY)) {
                        offerWorkers(now, master);
                    } else if (l.listing().isForKey(RoleKeys.ROUTE_KEY)) {
                        routeNew(now);
                    }
                    return runningWith(now, master);
                })
                .onMessage(RecheckWorkers.class, r -> {
                    offerWorkers(found, master);
                    return Behaviors.same();
                })
                .onMessage(GotRouted.class, r -> Behaviors.same())
                .onSignal(ChildFailed.class, f -> {
                    if (f.getCause() instanceof Master.RoleLost lost) {
                        return lost(found, lost);
                    }
                    plan.failure().accept(f.getCause());
                    return Behaviors.stopped();
                })
                .onSignal(Terminated.class, t -> {
                    // The master stops itself after answering Finished; that answer may still be on its way here.
                    return Behaviors.same();
                })
                .build();
    }

    /**
     * A lost trainer, replay buffer or reward actor is waited for, then the run rewinds. When the segment streams
     * broke with the replay buffer or the reward actor, every worker is quiesced first (what it emits is dropped).
     */
    private Behavior<Command> lost(Found found, Master.RoleLost lost) {
        Duration timeout = parts.settings().cluster().recoveryTimeout();
        if (plan.store() == null) {
            return fail(lost.getMessage() + "; checkpoints are off (tributary.run.checkpoint-every = 0), so the run "
                    + "cannot rewind to one and ends");
        }
        String role = lost.role();
        plan.progress().accept(lost.getMessage() + "; waiting up to " + timeout.toSeconds() + " s for "
                + described(role) + " (a standby, or a node started with: tributary node --roles " + role
                + " ...), then the run rewinds to its newest checkpoint");
        // While the master runs, the active roles are those it runs with.
        Found without = found.without(found.active(role));
        if (role.equals(RoleKeys.TRAINER)) {
            timers.startSingleTimer(new GaveUp(), timeout);
            return recovering(without, lost);
        }
        return quiescing(without, f -> {
            timers.startSingleTimer(new GaveUp(), timeout);
            return recovering(f, lost);
        });
    }

    private static String described(String role) {
        return switch (role) {
            case RoleKeys.TRAINER -> "a trainer";
            case RoleKeys.REPLAY -> "a replay buffer";
            default -> "a reward actor";
        };
    }

    private Behavior<Command> recovering(Found found, Master.RoleLost lost) {
        Found now = found.picked(true, this::alive, order());
        if (now.ready(minWorkers)) {
            timers.cancel(new Recheck());
            return rewind(now, lost.role());
        }
        timers.startSingleTimer(new Recheck(), RECHECK);
        return Behaviors.receive(Command.class)
                .onMessage(Listed.class, l -> recovering(now.with(l.listing()), lost))
                .onMessage(Recheck.class, r -> recovering(now, lost))
                .onMessage(GotRouted.class, r -> Behaviors.same())
                .onMessage(GaveUp.class, g -> fail(lost.getMessage() + " and no " + described(lost.role())
                        .substring(2) + " came back within " + parts.settings().cluster().recoveryTimeout()
                        .toSeconds() + " s (tributary.cluster.recovery-timeout); the run ends"))
                .build();
    }

    /**
     * Workers of a node that joined (or came back) become part of the run, once their node is settled in the
     * cluster; those that are not yet are offered again shortly.
     */
    private void offerWorkers(Found found, ActorRef<Master.Command> master) {
        List<ActorRef<RolloutWorker.Command>> settled = found.workers().stream().filter(this::alive).toList();
        master.tell(new Master.Workers(settled));
        if (settled.size() < found.workers().size()) {
            timers.startSingleTimer(new RecheckWorkers(), RECHECK);
        }
    }

    /**
     * True when the node of {@code role} is Up, reachable, and the only member at its address. A replacement
     * started on the lost node's host and port (the same command again) may register before the lost incarnation
     * is removed from the cluster; that removal ends every watch of the address, the new incarnation's too.
     */
    private boolean alive(ActorRef<?> role) {
        Address at = role.path().address();
        if (!parts.topology().cluster() || !at.hasGlobalScope()) {
            return true;
        }
        var state = Cluster.get(ctx.getSystem()).state();
        for (Member m : state.getUnreachable()) {
            if (m.address().equals(at)) {
                return false;
            }
        }
        int members = 0;
        boolean up = false;
        for (Member m : state.getMembers()) {
            if (m.address().equals(at)) {
                members++;
                up = m.status() == MemberStatus.up();
            }
        }
        return members == 1 && up;
    }

    /** Roles by their node's address (host, then port as a number), this node's own with its own address. */
    private Comparator<ActorRef<?>> order() {
        return Comparator.comparing((ActorRef<?> r) -> addressOf(r).getHost().orElse(""))
                .thenComparingInt(r -> addressOf(r).getPort().orElse(0))
                .thenComparing(r -> r.path().toStringWithoutAddress());
    }

    /** The address of {@code ref}'s node; this node's own (with host and port on a cluster) for a local one. */
    private Address addressOf(ActorRef<?> ref) {
        Address at = ref.path().address();
        return at.hasGlobalScope() ? at : ctx.getSystem().address();
    }

    private Behavior<Command> rewind(Found found, String role) {
        int c;
        try {
            c = plan.store().newestIntact(plan.progress()).map(Checkpoint::iteration).orElse(-1);
        } catch (IOException e) {
            return fail("the run cannot rewind: " + e.getMessage());
        }
        if (c < 0) {
            return fail("the run cannot rewind: " + plan.store().directory() + " holds no complete checkpoint yet");
        }
        plan.progress().accept(described(role) + " is back at " + addressOf(found.active(role)) + "; the run rewinds to "
                + "the checkpoint after iteration " + c);
        plan.rewound().accept(c);
        return routing(found, c);
    }

    private Behavior<Command> fail(String message) {
        plan.failure().accept(new RoleWiring.RoleFailedException(message, null));
        return Behaviors.stopped();
    }
}
