package dev.tributary.runtime.internal;

import dev.tributary.actors.checkpoint.PartReply;
import dev.tributary.actors.device.DeviceArbiter;
import dev.tributary.actors.master.Checkpointer;
import dev.tributary.actors.master.Master;
import dev.tributary.actors.replay.ReplayBuffer;
import dev.tributary.actors.reward.RewardActor;
import dev.tributary.actors.rollout.RolloutWork;
import dev.tributary.actors.rollout.RolloutWorker;
import dev.tributary.actors.trainer.Trainer;
import dev.tributary.model.PolicyVersion;
import dev.tributary.runtime.internal.checkpoint.Checkpoint;
import java.io.IOException;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
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
 * <p>When the trainer is lost, the master drains the rollouts that are out and stops; this role then waits up to
 * {@code tributary.cluster.recovery-timeout} for a trainer to register (a standby, a restarted pod, or a node
 * started by hand), rewinds the run to the newest complete checkpoint (trainer and replay buffer load their parts,
 * every worker loads its weights, the metrics of later iterations are dropped) and starts a new master from there.
 * The run is a function of its seed, so it ends with the weights of the run that lost nothing. Past the timeout,
 * or on the loss of a role that cannot be replaced yet, the run fails with one line naming the role.
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
            RoleKeys.REPLAY_KEY, RoleKeys.TRAINER_KEY, RoleKeys.ARBITER_KEY);

    /** What has been found so far; {@code gone} are refs of lost roles that may still be listed for a while. */
    private record Found(List<ActorRef<RolloutWorker.Command>> workers, ActorRef<RewardActor.Command> reward,
                         ActorRef<ReplayBuffer.Command> replay, ActorRef<Trainer.Command> trainer,
                         List<ActorRef<DeviceArbiter.Command>> arbiters, Set<ActorRef<?>> gone) {
        static final Found NOTHING = new Found(List.of(), null, null, null, List.of(), Set.of());

        Found with(Receptionist.Listing l) {
            if (l.isForKey(RoleKeys.ROLLOUT_KEY)) {
                return new Found(sorted(l.getServiceInstances(RoleKeys.ROLLOUT_KEY)), reward, replay, trainer,
                        arbiters, gone);
            } else if (l.isForKey(RoleKeys.REWARD_KEY)) {
                return new Found(workers, first(l.getServiceInstances(RoleKeys.REWARD_KEY)), replay, trainer,
                        arbiters, gone);
            } else if (l.isForKey(RoleKeys.REPLAY_KEY)) {
                return new Found(workers, reward, first(l.getServiceInstances(RoleKeys.REPLAY_KEY)), trainer,
                        arbiters, gone);
            } else if (l.isForKey(RoleKeys.TRAINER_KEY)) {
                return new Found(workers, reward, replay, first(l.getServiceInstances(RoleKeys.TRAINER_KEY)),
                        arbiters, gone);
            } else if (l.isForKey(RoleKeys.ARBITER_KEY)) {
                return new Found(workers, reward, replay, trainer,
                        sorted(l.getServiceInstances(RoleKeys.ARBITER_KEY)), gone);
            }
            return this;
        }

        Found without(ActorRef<?> lost) {
            Set<ActorRef<?>> g = new HashSet<>(gone);
            g.add(lost);
            return new Found(workers.stream().filter(w -> !w.equals(lost)).toList(), lost.equals(reward) ? null
                    : reward, lost.equals(replay) ? null : replay, lost.equals(trainer) ? null : trainer, arbiters,
                    Set.copyOf(g));
        }

        boolean ready(int minWorkers) {
            return workers.size() >= minWorkers && reward != null && replay != null && trainer != null;
        }

        Master.Roles roles() {
            return new Master.Roles(workers, replay, reward, trainer, arbiters);
        }

        private <T> List<ActorRef<T>> sorted(Set<ActorRef<T>> refs) {
            return refs.stream().filter(r -> !gone.contains(r)).sorted(Comparator.comparing(r -> r.path().toString()))
                    .toList();
        }

        private <T> ActorRef<T> first(Set<ActorRef<T>> refs) {
            return sorted(refs).stream().findFirst().orElse(null);
        }
    }

    private final ActorContext<Command> ctx;
    private final TimerScheduler<Command> timers;
    private final RunParts parts;
    private final RoleWiring.Plan plan;
    private final int minWorkers;
    private int generation;

    private MasterRole(ActorContext<Command> ctx, TimerScheduler<Command> timers, RunParts parts,
                       RoleWiring.Plan plan, int minWorkers) {
        this.ctx = ctx;
        this.timers = timers;
        this.parts = parts;
        this.plan = plan;
        this.minWorkers = minWorkers;
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
        return Behaviors.receive(Command.class)
                .onMessage(Listed.class, l -> {
                    Found now = found.with(l.listing());
                    if (!now.ready(minWorkers)) {
                        return waiting(now);
                    }
                    if (plan.resumeFrom() >= 0) {
                        return restoring(now, plan.resumeFrom());
                    }
                    int taken;
                    try {
                        taken = takenOver();
                    } catch (IOException e) {
                        // Checkpoints exist but none reads back: never restart such a run from scratch silently.
                        return fail("the run's checkpoints in " + plan.store().directory() + " cannot be used: "
                                + e.getMessage());
                    }
                    if (taken >= parts.settings().run().iterations()) {
                        // The master that ran the run finished it before its node left: nothing is left to run.
                        plan.progress().accept("the run's last checkpoint (after iteration " + taken + ") ends it; "
                                + "this node has nothing to take over");
                        return Behaviors.ignore();
                    }
                    if (taken >= 0) {
                        return quiescing(now, taken);
                    }
                    return running(now, new Master.Start(1, PolicyVersion.INITIAL, List.of(), false,
                            ctx.messageAdapter(Master.Finished.class, Ended::new)));
                })
                .build();
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

    private record GotQuiet(RolloutWorker.Quiet quiet) implements Command {
    }

    private record QuiesceTimedOut() implements Command {
    }

    /**
     * Taking over from a lost master: every worker abandons what it waits for and finishes what it generates, and
     * answers once its output is stored, so that none of the lost master's work reaches the replay buffer after it
     * loads the checkpoint; then the run rewinds to checkpoint {@code c}.
     */
    private Behavior<Command> quiescing(Found found, int c) {
        plan.progress().accept("this node takes over the run (its master was lost); it continues from the "
                + "checkpoint after iteration " + c + " once the " + found.workers().size()
                + " rollout workers are quiet");
        ActorRef<RolloutWorker.Quiet> replyTo = ctx.messageAdapter(RolloutWorker.Quiet.class, GotQuiet::new);
        found.workers().forEach(w -> w.tell(new RolloutWorker.Quiesce(replyTo)));
        timers.startSingleTimer(new QuiesceTimedOut(), parts.settings().cluster().recoveryTimeout());
        return awaitingQuiet(found, c, Set.copyOf(found.workers()));
    }

    private Behavior<Command> awaitingQuiet(Found found, int c, Set<ActorRef<RolloutWorker.Command>> waiting) {
        if (waiting.isEmpty()) {
            timers.cancel(new QuiesceTimedOut());
            plan.rewound().accept(c);
            return restoring(found, c);
        }
        return Behaviors.receive(Command.class)
                .onMessage(GotQuiet.class, q -> {
                    Set<ActorRef<RolloutWorker.Command>> left = new HashSet<>(waiting);
                    left.remove(q.quiet().from());
                    return awaitingQuiet(found, c, Set.copyOf(left));
                })
                .onMessage(Listed.class, l -> {
                    Found now = found.with(l.listing());
                    Set<ActorRef<RolloutWorker.Command>> left = new HashSet<>(waiting);
                    left.retainAll(now.workers()); // a worker that is gone has nothing in flight
                    return awaitingQuiet(now, c, Set.copyOf(left));
                })
                .onMessage(QuiesceTimedOut.class, t -> {
                    plan.progress().accept("rollout workers " + waiting.stream().map(w -> w.path().toString())
                            .sorted().toList() + " did not answer within "
                            + parts.settings().cluster().recoveryTimeout().toSeconds() + " s; the run continues "
                            + "without waiting for them");
                    return awaitingQuiet(found, c, Set.of());
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
        return runningWith(found, found.roles(), master);
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

    private Behavior<Command> runningWith(Found found, Master.Roles roles, ActorRef<Master.Command> master) {
        return Behaviors.receive(Command.class)
                .onMessage(Ended.class, e -> {
                    plan.done().complete(e.finished());
                    return Behaviors.stopped();
                })
                .onMessage(Listed.class, l -> {
                    Found now = found.with(l.listing());
                    if (l.listing().isForKey(RoleKeys.ROLLOUT_KEY)) {
                        offerWorkers(now, master);
                    }
                    return runningWith(now, roles, master);
                })
                .onMessage(RecheckWorkers.class, r -> {
                    offerWorkers(found, master);
                    return Behaviors.same();
                })
                .onSignal(ChildFailed.class, f -> {
                    if (f.getCause() instanceof Master.RoleLost lost) {
                        return lost(found, roles, lost);
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

    /** The trainer is waited for and the run rewound; the loss of another role ends the run. */
    private Behavior<Command> lost(Found found, Master.Roles roles, Master.RoleLost lost) {
        Duration timeout = parts.settings().cluster().recoveryTimeout();
        if (!lost.role().equals(RoleKeys.TRAINER)) {
            return fail(lost.getMessage() + "; a lost " + lost.role() + " role is not replaced yet, so the run ends");
        }
        if (plan.store() == null) {
            return fail(lost.getMessage() + "; checkpoints are off (tributary.run.checkpoint-every = 0), so the run "
                    + "cannot rewind to one and ends");
        }
        plan.progress().accept(lost.getMessage() + "; waiting up to " + timeout.toSeconds() + " s for a trainer "
                + "(a standby, or a node started with: tributary node --roles trainer ...), then the run rewinds to "
                + "its newest checkpoint");
        timers.startSingleTimer(new GaveUp(), timeout);
        return recovering(found.without(roles.trainer()), lost);
    }

    private Behavior<Command> recovering(Found found, Master.RoleLost lost) {
        if (found.ready(minWorkers)) {
            if (settled(found.trainer())) {
                return rewind(found);
            }
            timers.startSingleTimer(new Recheck(), RECHECK);
        }
        return Behaviors.receive(Command.class)
                .onMessage(Listed.class, l -> recovering(found.with(l.listing()), lost))
                .onMessage(Recheck.class, r -> recovering(found, lost))
                .onMessage(GaveUp.class, g -> fail(lost.getMessage() + " and no trainer came back within "
                        + parts.settings().cluster().recoveryTimeout().toSeconds()
                        + " s (tributary.cluster.recovery-timeout); the run ends"))
                .build();
    }

    private record Recheck() implements Command {
    }

    private record RecheckWorkers() implements Command {
    }

    /**
     * Workers of a node that joined (or came back) become part of the run, once their node is settled in the
     * cluster; those that are not yet are offered again shortly.
     */
    private void offerWorkers(Found found, ActorRef<Master.Command> master) {
        List<ActorRef<RolloutWorker.Command>> settled = found.workers().stream().filter(this::settled).toList();
        master.tell(new Master.Workers(settled));
        if (settled.size() < found.workers().size()) {
            timers.startSingleTimer(new RecheckWorkers(), RECHECK);
        }
    }

    private static final Duration RECHECK = Duration.ofMillis(250);

    /**
     * True when the node of {@code role} is Up and is the only member at its address. A replacement started on the
     * lost node's host and port (the same command again) may register before the lost incarnation is removed from
     * the cluster; that removal ends every watch of the address, the new incarnation's too.
     */
    private boolean settled(ActorRef<?> role) {
        Address at = role.path().address();
        if (!parts.topology().cluster() || !at.hasGlobalScope()) {
            return true;
        }
        int members = 0;
        boolean up = false;
        for (Member m : Cluster.get(ctx.getSystem()).state().getMembers()) {
            if (m.address().equals(at)) {
                members++;
                up = m.status() == MemberStatus.up();
            }
        }
        return members == 1 && up;
    }

    private Behavior<Command> rewind(Found found) {
        int c;
        try {
            c = plan.store().newestIntact(plan.progress()).map(Checkpoint::iteration).orElse(-1);
        } catch (IOException e) {
            return fail("the run cannot rewind: " + e.getMessage());
        }
        if (c < 0) {
            return fail("the run cannot rewind: " + plan.store().directory() + " holds no complete checkpoint yet");
        }
        plan.progress().accept("a trainer is back at " + found.trainer().path().address() + "; the run rewinds to "
                + "the checkpoint after iteration " + c);
        plan.rewound().accept(c);
        return restoring(found, c);
    }

    private Behavior<Command> fail(String message) {
        plan.failure().accept(new RoleWiring.RoleFailedException(message, null));
        return Behaviors.stopped();
    }
}
