package dev.tributary.actors.master;

import dev.tributary.actors.device.DeviceArbiter;
import dev.tributary.actors.replay.ReplayBuffer;
import dev.tributary.actors.rollout.RolloutJob;
import dev.tributary.actors.rollout.RolloutStats;
import dev.tributary.actors.rollout.RolloutWorker;
import dev.tributary.model.PolicyVersion;
import dev.tributary.model.Prompt;
import dev.tributary.model.Trajectory;
import java.util.HashSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Terminated;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.BehaviorBuilder;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * What every {@link Driver} of the master shares: start and resume, work-pulling dispatch with batch cutting and
 * seeding ({@link Jobs}, {@link Dispatcher}), role watching, weight loads, device hand-off readings, iteration
 * reports, the checkpoint step ({@link CheckpointStep}) and the end of the run. It holds no mutable state: where
 * a run stands travels from phase to phase as a {@link Run}.
 *
 * <p>Its operations are public so that drivers can be written outside this package (see {@link Driver}).
 */
public final class MasterKernel {
    private record WorkerLoaded(RolloutWorker.Loaded l) implements Master.Internal {
    }

    private record Restored(ReplayBuffer.Ack ack) implements Master.Internal {
    }

    /** Every batch of round {@code iteration} is done and its trajectories are stored in the replay buffer. */
    public record RoundDone(int iteration, RolloutStats stats) implements Master.Internal {
    }

    /** An arbiter's figures; {@code answered} false when it did not answer in time (its node is gone). */
    private record GotDeviceStats(ActorRef<DeviceArbiter.Command> arbiter, double totalMillis, boolean answered)
            implements Master.Internal {
    }

    /** How long the master waits for a device arbiter's figures before counting it as gone. */
    private static final java.time.Duration STATS_TIMEOUT = java.time.Duration.ofSeconds(5);

    private final ActorContext<Master.Command> ctx;
    private final Master.Setup setup;
    private final ActorRef<Dispatcher.Command> dispatcher;
    /** Who gets {@link Master.Finished}; null before {@link Master.Start}. */
    private final ActorRef<Master.Finished> finishTo;
    /** Where the driver begins, after start and resume; null before. */
    private final Run first;
    /** Workers seen to terminate: a registration list that still names one does not bring it back. */
    private final Set<ActorRef<?>> goneWorkers;
    /** Device arbiters that did not answer once (their node is gone); shared by every kernel of this master. */
    private final Set<ActorRef<?>> goneArbiters;

    private MasterKernel(ActorContext<Master.Command> ctx, Master.Setup setup, ActorRef<Dispatcher.Command> dispatcher,
                         ActorRef<Master.Finished> finishTo, Run first, Set<ActorRef<?>> goneWorkers,
                         Set<ActorRef<?>> goneArbiters) {
        this.ctx = ctx;
        this.setup = setup;
        this.dispatcher = dispatcher;
        this.finishTo = finishTo;
        this.first = first;
        this.goneWorkers = goneWorkers;
        this.goneArbiters = goneArbiters;
    }

    /** Spawns the dispatcher, watches every role, and waits for {@link Master.Start}. */
    static Behavior<Master.Command> awaitStart(ActorContext<Master.Command> ctx, Master.Setup setup) {
        var dispatcher = ctx.spawn(Dispatcher.create("master-" + ctx.getSelf().path().address().hostPort(),
                setup.workKey()), "dispatch");
        ctx.watch(dispatcher);
        Master.Roles roles = setup.roles();
        roles.workers().forEach(ctx::watch);
        List.of(roles.replay(), roles.reward(), roles.trainer()).forEach(ctx::watch);
        var kernel = new MasterKernel(ctx, setup, dispatcher, null, null, new HashSet<>(), new HashSet<>());
        return kernel.awaitStart(Run.start(1, PolicyVersion.INITIAL, roles.workers()));
    }

    private Behavior<Master.Command> awaitStart(Run before) {
        return Behaviors.receive(Master.Command.class)
                .onMessage(Master.Start.class, s -> start(s, before.workers()))
                .onMessage(Master.Workers.class, w -> awaitStart(joined(before, w)))
                .onSignal(Terminated.class, t -> awaitStart(lost(before, t.getRef())))
                .build();
    }

    private Behavior<Master.Command> start(Master.Start s, List<ActorRef<RolloutWorker.Command>> workers) {
        if (s.iteration() < 1 || s.iteration() > settings().iterations()) {
            throw new IllegalArgumentException("start iteration " + s.iteration() + " must be in 1.."
                    + settings().iterations());
        }
        var started = new MasterKernel(ctx, setup, dispatcher, s.replyTo(), null, goneWorkers, goneArbiters);
        Run run = Run.start(s.iteration(), s.version(), workers).withRound(s.firstRound());
        if (s.rewound()) {
            // From a checkpoint: the workers may hold any version (the initial one, or a later one of the run that
            // was abandoned), so each loads the checkpoint's first.
            return started.loadWeights(run, r -> started.restore(r, s.restoredReplay()));
        }
        if (s.iteration() == 1 && checkpointsOn()) {
            // The warm-up's result is checkpoint 0: a replacement trainer never repeats the warm-up.
            Run zero = Run.start(0, s.version(), workers);
            return started.checkpoint(zero, r -> started.restore(Run.start(1, r.version(), r.workers()),
                    s.restoredReplay()));
        }
        return started.restore(run, s.restoredReplay());
    }

    private Behavior<Master.Command> restore(Run run, List<Trajectory> replay) {
        if (replay.isEmpty()) {
            return drive(run);
        }
        // Counted from zero again: the buffer's arrival count restarts with the restore.
        roles().replay().tell(new ReplayBuffer.Restore(replay, 0, adapter(ReplayBuffer.Ack.class, Restored::new)));
        return await(run, Restored.class, (r, ack) -> drive(r));
    }

    private Behavior<Master.Command> drive(Run run) {
        return setup.driver().behavior(new MasterKernel(ctx, setup, dispatcher, finishTo, run, goneWorkers,
                goneArbiters));
    }

    // ---- What drivers use.

    /** Where the driver begins: the start iteration, the version the workers hold, the live workers. */
    public Run first() {
        if (first == null) {
            throw new IllegalStateException("the kernel is handed to a driver only after start and resume");
        }
        return first;
    }

    public MasterSettings settings() {
        return setup.settings();
    }

    public Master.Roles roles() {
        return setup.roles();
    }

    public long now() {
        return System.nanoTime();
    }

    public <T> ActorRef<T> adapter(Class<T> reply, Function<T, Master.Command> wrap) {
        return ctx.messageAdapter(reply, wrap::apply);
    }

    /** A phase waiting for one {@code reply}; a lost worker leaves it waiting with the updated run. */
    public <M extends Master.Command> Behavior<Master.Command> await(Run run, Class<M> reply,
                                                              BiFunction<Run, M, Behavior<Master.Command>> next) {
        return phase(run, Behaviors.receive(Master.Command.class).onMessage(reply, m -> next.apply(run, m)),
                r -> await(r, reply, next));
    }

    /**
     * A phase's own handlers, plus what every phase does: refuse a second start, watch the roles. A lost worker
     * leaves the phase going with the updated run; a lost trainer, replay buffer or reward actor ends the master
     * with {@link Master.RoleLost} once the rollouts that are out have drained into the buffer.
     */
    public Behavior<Master.Command> phase(Run run, BehaviorBuilder<Master.Command> handlers,
                                   Function<Run, Behavior<Master.Command>> afterLoss) {
        return handlers
                .onMessage(Master.Start.class, s -> {
                    throw new IllegalStateException("the master was started twice (again at iteration "
                            + s.iteration() + ", while in iteration " + run.iteration() + ")");
                })
                .onMessage(Master.Workers.class, w -> {
                    Run with = joined(run, w);
                    return with == run ? Behaviors.same() : afterLoss.apply(with);
                })
                .onSignal(Terminated.class, t -> {
                    String role = statefulRole(t.getRef());
                    return role != null ? drainThenStop(run, role, t.getRef()) : afterLoss.apply(lost(run, t.getRef()));
                })
                .build();
    }

    private String statefulRole(ActorRef<?> ref) {
        Master.Roles roles = roles();
        return ref.equals(roles.trainer()) ? "trainer" : ref.equals(roles.replay()) ? "replay"
                : ref.equals(roles.reward()) ? "reward" : null;
    }

    /**
     * Waits until every rollout batch that is out is done and stored (none is sent any more), so that nothing of
     * the abandoned iterations reaches the buffer after a rewind; then stops with {@link Master.RoleLost}. Without
     * the replay buffer or the reward actor nothing can drain, so it stops at once.
     */
    private Behavior<Master.Command> drainThenStop(Run run, String role, ActorRef<?> gone) {
        Master.RoleLost lost = new Master.RoleLost(role, gone.path().address().toString(), run.iteration());
        if (!role.equals("trainer")) {
            // Without the buffer nothing can be stored, without the reward actor nothing scored: nothing drains.
            ctx.getLog().warn("{}; the master stops", lost.getMessage());
            throw lost;
        }
        ctx.getLog().warn("{}; draining the rollouts that are out before stopping", lost.getMessage());
        // A batch still waiting for weights only the lost trainer had would never end: its worker answers it now.
        run.workers().forEach(w -> w.tell(RolloutWorker.Abandon.INSTANCE));
        dispatcher.tell(new Dispatcher.Drain(adapter(Dispatcher.Drained.class, d -> new DrainedOut())));
        return draining(run, lost);
    }

    private record DrainedOut() implements Master.Internal {
    }

    private Behavior<Master.Command> draining(Run run, Master.RoleLost lost) {
        return Behaviors.receive(Master.Command.class)
                .onMessage(DrainedOut.class, d -> {
                    throw lost;
                })
                .onMessage(Master.Workers.class, w -> {
                    Run with = joined(run, w);
                    // A worker that joins while the run drains may already hold a batch waiting for lost weights.
                    with.workers().stream().filter(x -> !run.workers().contains(x))
                            .forEach(x -> x.tell(RolloutWorker.Abandon.INSTANCE));
                    return with == run ? Behaviors.same() : draining(with, lost);
                })
                .onSignal(Terminated.class, t -> {
                    String role = statefulRole(t.getRef());
                    if ("replay".equals(role)) {
                        throw new Master.RoleLost(role, t.getRef().path().address().toString(), run.iteration());
                    }
                    return role != null ? Behaviors.same() : draining(lost(run, t.getRef()), lost);
                })
                .onAnyMessage(m -> Behaviors.same())
                .build();
    }

    /** {@code run} with every worker of {@code w} it did not have, each watched; the same run when none is new. */
    private Run joined(Run run, Master.Workers w) {
        Run with = run;
        for (ActorRef<RolloutWorker.Command> x : w.all()) {
            if (!with.workers().contains(x) && !goneWorkers.contains(x)) {
                ctx.watch(x);
                ctx.getLog().info("rollout worker {} joined the run in iteration {}", x.path(), run.iteration());
                with = with.withWorker(x);
            }
        }
        return with;
    }

    /**
     * A rollout worker that is gone (its node downed, or failed) is dropped: work pulling sends its unconfirmed
     * batches to the others. Without the replay buffer, the reward actor or the trainer the run cannot go on.
     */
    public Run lost(Run run, ActorRef<?> ref) {
        Master.Roles roles = roles();
        for (ActorRef<?> role : List.of(roles.replay(), roles.reward(), roles.trainer(), dispatcher)) {
            if (role.equals(ref)) {
                throw new IllegalStateException("role " + ref.path().name() + " at " + ref.path().address()
                        + " is gone in iteration " + run.iteration() + "; the run cannot go on without it");
            }
        }
        ActorRef<RolloutWorker.Command> gone = run.workers().stream().filter(w -> w.equals(ref)).findFirst()
                .orElse(null);
        if (gone == null) {
            return run;
        }
        goneWorkers.add(gone);
        Run left = run.withoutWorker(gone);
        if (left.workers().isEmpty()) {
            throw new IllegalStateException("rollout worker " + gone.path() + " is gone and no rollout worker is left");
        }
        ctx.getLog().warn("rollout worker {} is gone in iteration {}: its unconfirmed batches go to the {} others",
                gone.path(), run.iteration(), left.workers().size());
        return left;
    }

    /** The jobs of {@code run}'s iteration: the unfinished trajectories, then fresh samples of the sampler's prompts. */
    public List<RolloutJob> jobs(Run run, List<Trajectory> unfinished) {
        return jobs(run.iteration(), unfinished);
    }

    /** Rolls {@code jobs} out at the run's version, in batches for the live workers; {@code then} gets the stats. */
    public Behavior<Master.Command> rollout(Run run, List<RolloutJob> jobs,
                                     BiFunction<Run, RolloutStats, Behavior<Master.Command>> then) {
        if (jobs.isEmpty()) {
            return then.apply(run.emitted(0), RolloutStats.EMPTY);
        }
        Run emitted = dispatch(run, run.iteration(), jobs);
        return await(emitted, RoundDone.class, (r, m) -> then.apply(r, m.stats()));
    }

    /**
     * Sends {@code jobs} (at least one) out as round {@code round} at the run's version, without waiting: the
     * master receives {@link RoundDone} when they are all done and stored. Rounds may overlap.
     */
    public Run dispatch(Run run, int round, List<RolloutJob> jobs) {
        dispatcher.tell(new Dispatcher.Dispatch(round, Jobs.batches(jobs, settings().batchesPerWorker(),
                run.workers().size(), Jobs.MAX_BATCH_BYTES), run.version(),
                adapter(Dispatcher.RolledOut.class, r -> new RoundDone(r.iteration(), r.stats()))));
        return run.emitted(jobs.size());
    }

    /** The jobs of round {@code round}: {@code unfinished} resumed, then k samples of the sampler's next prompts. */
    public List<RolloutJob> jobs(int round, List<Trajectory> unfinished) {
        return jobs(round, unfinished, List.of());
    }

    /**
     * As {@link #jobs(int, List)}, with {@code requeued} prompts (at most the prompts per round) first in the round,
     * in place of as many of the sampler's.
     */
    public List<RolloutJob> jobs(int round, List<Trajectory> unfinished, List<Prompt> requeued) {
        int n = settings().promptsPerIteration();
        if (requeued.size() > n) {
            throw new IllegalArgumentException(requeued.size() + " prompts re-queued into a round of " + n);
        }
        List<Prompt> prompts = new ArrayList<>(requeued);
        if (prompts.size() < n) {
            prompts.addAll(setup.sampler().next(round, n - prompts.size()));
        }
        return Jobs.of(settings(), round, unfinished, prompts);
    }

    /** Complete groups in a fixed order, their success recorded with the sampler. */
    public List<List<Trajectory>> groups(List<List<Trajectory>> fromBuffer) {
        List<List<Trajectory>> groups = Jobs.sorted(fromBuffer);
        for (List<Trajectory> group : groups) {
            long solved = group.stream().filter(t -> t.reward() >= 1.0).count();
            setup.sampler().record(group.get(0).prompt().id(), solved, group.size());
        }
        return groups;
    }

    /** Every live worker switches to the run's version; a worker lost meanwhile is not waited for. */
    public Behavior<Master.Command> loadWeights(Run run, Function<Run, Behavior<Master.Command>> then) {
        ActorRef<RolloutWorker.Loaded> loadedTo = adapter(RolloutWorker.Loaded.class, WorkerLoaded::new);
        run.workers().forEach(w -> w.tell(new RolloutWorker.LoadWeights(run.version(), null, loadedTo)));
        return awaitLoads(run, Awaited.all(run.workers()), then);
    }

    private Behavior<Master.Command> awaitLoads(Run run, Awaited<ActorRef<RolloutWorker.Command>> awaiting,
                                                Function<Run, Behavior<Master.Command>> then) {
        if (awaiting.isEmpty()) {
            return then.apply(run);
        }
        return phase(run, Behaviors.receive(Master.Command.class).onMessage(WorkerLoaded.class,
                l -> awaitLoads(run, awaiting.without(l.l().from()), then)),
                r -> awaitLoads(r, awaiting.retainAll(r.workers()), then));
    }

    /**
     * The device hand-off time since the last reading, summed over every arbiter (none: 0). An arbiter that does
     * not answer within {@link #STATS_TIMEOUT} (its node is gone) counts as none.
     */
    public Behavior<Master.Command> handoff(Run run, BiFunction<Run, Double, Behavior<Master.Command>> then) {
        // An arbiter that once did not answer is not asked again: every later iteration would wait for it.
        var arbiters = roles().arbiters().stream().filter(a -> !goneArbiters.contains(a)).toList();
        for (var arbiter : arbiters) {
            ctx.ask(DeviceArbiter.Stats.class, arbiter, STATS_TIMEOUT, DeviceArbiter.GetStats::new,
                    (stats, failure) -> new GotDeviceStats(arbiter, stats != null ? stats.totalHandoffMillis() : 0,
                            stats != null));
        }
        return awaitStats(run, arbiters.size(), 0.0, then);
    }

    private Behavior<Master.Command> awaitStats(Run run, int left, double total,
                                                BiFunction<Run, Double, Behavior<Master.Command>> then) {
        if (left == 0) {
            // A lost arbiter's share leaves the sum: the difference is never taken below nothing.
            return then.apply(run.withHandoffMillisSoFar(total), Math.max(0, total - run.handoffMillisSoFar()));
        }
        return phase(run, Behaviors.receive(Master.Command.class).onMessage(GotDeviceStats.class, s -> {
                    if (!s.answered()) {
                        goneArbiters.add(s.arbiter());
                        ctx.getLog().warn("device arbiter {} did not answer within {} s; it is not asked again",
                                s.arbiter().path(), STATS_TIMEOUT.toSeconds());
                    }
                    return awaitStats(run, left - 1, total + s.totalMillis(), then);
                }),
                r -> awaitStats(r, left, total, then));
    }

    /** Hands the report to the listener and keeps it for {@link Master.Finished}. */
    public Run report(Run run, IterationReport report) {
        setup.listener().accept(report);
        return run.reported(report);
    }

    /** The run ends after this iteration: the schedule says so, or a stop was requested. */
    /**
     * True when the held-out set is scored after {@code run}'s iteration: every {@code eval.every} iterations, after
     * the last one, and after one that ends the run because a stop was asked for.
     */
    public boolean evaluates(Run run) {
        return settings().evaluates(run.iteration()) || !settings().heldOut().isEmpty()
                && setup.stopRequested().getAsBoolean();
    }

    public boolean endsAfter(Run run) {
        return run.iteration() >= settings().iterations() || setup.stopRequested().getAsBoolean();
    }

    /** A checkpoint after the iterations the settings name, and after the last when checkpoints are on. */
    public boolean checkpointsAfter(Run run, boolean last) {
        return checkpointsOn() && (settings().checkpoints(run.iteration()) || last);
    }

    private boolean checkpointsOn() {
        return settings().checkpointEvery() > 0 && setup.checkpointer() != Checkpointer.NONE;
    }

    /** Every role writes its part, then the manifest is committed; a failed part or commit fails the run. */
    public Behavior<Master.Command> checkpoint(Run run, Function<Run, Behavior<Master.Command>> then) {
        return new CheckpointStep(this).checkpoint(run, then);
    }

    public Behavior<Master.Command> finish(Run run) {
        finishTo.tell(new Master.Finished(run.version(), run.reports()));
        return Behaviors.stopped();
    }

    public Master.Setup setup() {
        return setup;
    }

    public ActorContext<Master.Command> context() {
        return ctx;
    }
}
