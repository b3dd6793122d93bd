package dev.tributary.testkit;

import dev.tributary.actors.rollout.RolloutBehavior;
import dev.tributary.actors.rollout.RolloutJob;
import dev.tributary.actors.rollout.RolloutStats;
import dev.tributary.actors.rollout.RolloutWorker;
import dev.tributary.model.FinishReason;
import dev.tributary.model.PolicyVersion;
import dev.tributary.model.Segment;
import dev.tributary.model.Trajectory;
import dev.tributary.model.token.Tokenizer;
import dev.tributary.model.weights.FlatWeights;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * The executor child of a synthetic worker, on a dispatcher for blocking work as the built-in worker's engine child
 * is ({@link SyntheticRollout#DISPATCHER}): it runs a batch on the clock of its {@link RolloutPlan} (a timer to the next finishing job, each finished job
 * emitted into the worker's sink at once), loads weights into the node's policy, and stops on {@link Stop}. A job
 * that draws a failure crashes the engine at its finishing time: after the restart time the whole batch runs again
 * from its seeds, so what was emitted before the crash is emitted again and must be dropped by the replay buffer.
 */
final class SyntheticEngine {
    sealed interface Command {
    }

    record Run(List<RolloutJob> jobs, PolicyVersion version, ActorRef<RolloutWorker.Done> replyTo) implements Command {
    }

    record Load(PolicyVersion version, FlatWeights weights, ActorRef<RolloutWorker.Loaded> replyTo) implements Command {
    }

    /** The fault {@link Fault#STOP_WORKER}: the engine stops, and with it its worker. */
    enum Stop implements Command { INSTANCE }

    private enum Tick implements Command { INSTANCE }

    private enum Restart implements Command { INSTANCE }

    private record Fetched(Load request, FlatWeights weights, Throwable failure) implements Command {
    }

    /** A token that is no special one: the filler of every synthetic response. */
    private static final int FILLER = Tokenizer.SEP + 1;

    private final ActorContext<Command> ctx;
    private final TimerScheduler<Command> timers;
    private final RolloutBehavior.Worker worker;
    private final ActorRef<RolloutWorker.Command> shell;
    private final LoadProfile profile;
    private final Ledger ledger;
    /** Ids whose drawn failure this engine has had: a job crashes a given engine once. */
    private final Set<String> crashedHere = new HashSet<>();

    private SyntheticEngine(ActorContext<Command> ctx, TimerScheduler<Command> timers, RolloutBehavior.Worker worker,
                            ActorRef<RolloutWorker.Command> shell, LoadProfile profile, Ledger ledger) {
        this.ctx = ctx;
        this.timers = timers;
        this.worker = worker;
        this.shell = shell;
        this.profile = profile;
        this.ledger = ledger;
    }

    static Behavior<Command> create(RolloutBehavior.Worker worker, ActorRef<RolloutWorker.Command> shell,
                                    LoadProfile profile, Ledger ledger) {
        return Behaviors.setup(ctx -> Behaviors.withTimers(timers ->
                new SyntheticEngine(ctx, timers, worker, shell, profile, ledger).idle()));
    }

    private Behavior<Command> idle() {
        return Behaviors.receive(Command.class)
                .onMessage(Run.class, r -> start(r, System.nanoTime()))
                .onMessage(Load.class, this::onLoad)
                .onMessage(Fetched.class, this::onFetched)
                .onMessage(Stop.class, s -> Behaviors.stopped())
                .onAnyMessage(m -> Behaviors.same())
                .build();
    }

    /** One attempt at batch {@code r}, begun at {@code since} (the first attempt's start). */
    private Behavior<Command> start(Run r, long since) {
        long cpu = Seeds.threadCpu();
        for (RolloutJob j : r.jobs()) {
            ledger.started(j.trajectory().id());
        }
        List<RolloutPlan.Step> steps = RolloutPlan.of(r.jobs(), profile.rollout(), profile.slots(), profile.seed(),
                crashedHere);
        ledger.syntheticCpu(Seeds.threadCpu() - cpu);
        return running(r, since, System.nanoTime(), steps, 0);
    }

    /** Emits every step due by now, then waits for the next; {@code next} is the first step not yet emitted. */
    private Behavior<Command> running(Run r, long since, long t0, List<RolloutPlan.Step> steps, int next) {
        long elapsed = System.nanoTime() - t0;
        while (next < steps.size() && steps.get(next).finishNanos() <= elapsed) {
            RolloutPlan.Step step = steps.get(next);
            if (step.crash()) {
                crashedHere.add(r.jobs().get(step.job()).trajectory().id());
                ledger.crashed();
                timers.startSingleTimer(Restart.INSTANCE, Duration.ofNanos(profile.rollout().restartTime().toNanos()));
                return crashed(r, since);
            }
            if (!emit(r, step)) {
                return idle(); // the node is shutting down: the batch is abandoned with it
            }
            next++;
        }
        if (next == steps.size()) {
            r.replyTo().tell(new RolloutWorker.Done(worker.name(), stats(r, steps, since), shell));
            return idle();
        }
        timers.startSingleTimer(Tick.INSTANCE, Duration.ofNanos(steps.get(next).finishNanos() - elapsed));
        int from = next;
        return Behaviors.receive(Command.class)
                .onMessage(Tick.class, t -> running(r, since, t0, steps, from))
                .onMessage(Stop.class, s -> Behaviors.stopped())
                .build();
    }

    private Behavior<Command> crashed(Run r, long since) {
        return Behaviors.receive(Command.class)
                .onMessage(Restart.class, x -> start(r, since))
                .onMessage(Stop.class, s -> Behaviors.stopped())
                .build();
    }

    /** Puts the job's next segment into the sink; false when the sink refused it because the node is stopping. */
    private boolean emit(Run r, RolloutPlan.Step step) {
        long cpu = Seeds.threadCpu();
        RolloutJob job = r.jobs().get(step.job());
        Trajectory t = job.trajectory();
        int[] tokens = new int[step.tokens()];
        Arrays.fill(tokens, FILLER);
        if (step.reason() == FinishReason.EOS) {
            tokens[tokens.length - 1] = Tokenizer.EOS;
        }
        float[] logProbs = new float[tokens.length];
        Arrays.fill(logProbs, -1f);
        Trajectory next = t.append(new Segment(t.id(), t.segments().size(), tokens, logProbs, r.version().number(),
                step.reason()));
        if (step.hung()) {
            ledger.hung();
        }
        ledger.syntheticCpu(Seeds.threadCpu() - cpu);
        ledger.entering(next);
        try {
            worker.sink().emit(next);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (IllegalStateException e) {
            if (CoordinatedShutdown.get(ctx.getSystem()).getShutdownReason().isPresent()) {
                return false;
            }
            throw e;
        }
        ledger.emitted(next);
        return true;
    }

    private RolloutStats stats(Run r, List<RolloutPlan.Step> steps, long since) {
        long tokens = 0;
        int finished = 0;
        int partial = 0;
        for (RolloutPlan.Step s : steps) {
            tokens += s.tokens();
            finished += s.reason().terminal() ? 1 : 0;
            partial += s.reason() == FinishReason.TOKEN_BUDGET ? 1 : 0;
        }
        int resumed = (int) r.jobs().stream().filter(RolloutJob::resumed).count();
        return new RolloutStats(r.jobs().size(), tokens, finished, partial, resumed, 0,
                (System.nanoTime() - since) / 1e9);
    }

    private Behavior<Command> onLoad(Load l) {
        if (l.weights() == null && worker.weights() != null) {
            // Another node's trainer: fetch the version through the runtime's weight sync, as the built-in worker does.
            ctx.pipeToSelf(worker.weights().fetch(l.version()), (w, e) -> new Fetched(l, w, e));
            return Behaviors.same();
        }
        loaded(l, l.weights());
        return Behaviors.same();
    }

    private Behavior<Command> onFetched(Fetched f) {
        if (f.failure() != null) {
            throw new IllegalStateException("synthetic rollout worker " + worker.name() + " could not get the weights of "
                    + f.request().version() + ": " + f.failure().getMessage(), f.failure());
        }
        loaded(new Load(f.weights().version(), f.weights(), f.request().replyTo()), f.weights());
        return Behaviors.same();
    }

    /** Imports the weights (when copied) into the node's policy, as an engine sharing it does, then answers. */
    private void loaded(Load l, FlatWeights weights) {
        if (weights != null) {
            weights.importInto(worker.policy().params());
        }
        worker.onLoaded().accept(l.version());
        l.replyTo().tell(new RolloutWorker.Loaded(worker.name(), l.version(), shell));
    }
}
