package dev.tributary.actors.master;

import dev.tributary.actors.replay.ReplayBuffer;
import dev.tributary.actors.reward.RewardActor;
import dev.tributary.actors.rollout.RolloutJob;
import dev.tributary.actors.rollout.RolloutStats;
import dev.tributary.actors.rollout.RolloutWorker;
import dev.tributary.actors.sampling.PromptSampler;
import dev.tributary.actors.trainer.Trainer;
import dev.tributary.model.PolicyVersion;
import dev.tributary.model.Prompt;
import dev.tributary.model.Trajectory;
import dev.tributary.model.TrajectoryBatch;
import dev.tributary.model.TrajectoryIds;
import dev.tributary.model.train.Evaluator;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

/**
 * The master role: runs iterative synchronous RL (Kimi k1.5 §2.6.1). Each iteration resumes the unfinished
 * trajectories, adds k samples of fresh prompts, rolls all out under the token budget, trains on the complete
 * groups, hands the new weights to the workers and evaluates. The loop, one message per step:
 * {@code Start → Unfinished → (Done × workers) → Groups → Shaped → Trained → (Loaded × workers) → [Evaluated] →
 * next iteration}.
 */
public final class Master extends AbstractBehavior<Master.Command> {
    public sealed interface Command permits Start, GotUnfinished, WorkerDone, GotGroups, GotShaped, GotTrained,
            WorkerLoaded, GotEvaluation {
    }

    /** Start at {@code iteration} (1, or the one after a checkpoint) with the workers at {@code version}. */
    public record Start(int iteration, PolicyVersion version, ActorRef<Finished> replyTo) implements Command {
    }

    private record GotUnfinished(ReplayBuffer.Unfinished u) implements Command {
    }

    private record WorkerDone(RolloutWorker.Done d) implements Command {
    }

    private record GotGroups(ReplayBuffer.Groups g) implements Command {
    }

    private record GotShaped(RewardActor.Shaped s) implements Command {
    }

    private record GotTrained(Trainer.Trained t) implements Command {
    }

    private record WorkerLoaded(RolloutWorker.Loaded l) implements Command {
    }

    private record GotEvaluation(Evaluator.Result r) implements Command {
    }

    /** The run is over: the last version and every iteration's report. */
    public record Finished(PolicyVersion version, List<IterationReport> reports) {
    }

    private final MasterSettings settings;
    private final PromptSampler sampler;
    private final List<ActorRef<RolloutWorker.Command>> workers;
    private final ActorRef<ReplayBuffer.Command> replay;
    private final ActorRef<RewardActor.Command> reward;
    private final ActorRef<Trainer.Command> trainer;
    private final Consumer<IterationReport> listener;
    private final List<IterationReport> reports = new ArrayList<>();
    private ActorRef<Finished> finishTo;
    private int iteration;
    private PolicyVersion version;
    private long expectedReceived;
    private Iteration it;

    /** Per-iteration bookkeeping. */
    private static final class Iteration {
        long start = System.nanoTime();
        long phaseStart = start;
        int pendingWorkers;
        RolloutStats rollout = RolloutStats.EMPTY;
        double rolloutSeconds;
        double trainSeconds;
        List<Trajectory> batch = List.of();
        Trainer.Trained trained;
    }

    public static Behavior<Command> create(MasterSettings settings, PromptSampler sampler,
                                           List<ActorRef<RolloutWorker.Command>> workers,
                                           ActorRef<ReplayBuffer.Command> replay, ActorRef<RewardActor.Command> reward,
                                           ActorRef<Trainer.Command> trainer, Consumer<IterationReport> listener) {
        if (workers.isEmpty()) {
            throw new IllegalArgumentException("the master needs at least one rollout worker");
        }
        return Behaviors.setup(ctx -> new Master(ctx, settings, sampler, workers, replay, reward, trainer, listener));
    }

    private Master(ActorContext<Command> ctx, MasterSettings settings, PromptSampler sampler,
                   List<ActorRef<RolloutWorker.Command>> workers, ActorRef<ReplayBuffer.Command> replay,
                   ActorRef<RewardActor.Command> reward, ActorRef<Trainer.Command> trainer,
                   Consumer<IterationReport> listener) {
        super(ctx);
        this.settings = settings;
        this.sampler = sampler;
        this.workers = List.copyOf(workers);
        this.replay = replay;
        this.reward = reward;
        this.trainer = trainer;
        this.listener = listener;
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(Start.class, this::onStart)
                .onMessage(GotUnfinished.class, this::onUnfinished)
                .onMessage(WorkerDone.class, this::onWorkerDone)
                .onMessage(GotGroups.class, this::onGroups)
                .onMessage(GotShaped.class, this::onShaped)
                .onMessage(GotTrained.class, this::onTrained)
                .onMessage(WorkerLoaded.class, this::onLoaded)
                .onMessage(GotEvaluation.class, this::onEvaluation)
                .build();
    }

    private Behavior<Command> onStart(Start s) {
        finishTo = s.replyTo();
        iteration = s.iteration();
        version = s.version();
        beginIteration();
        return this;
    }

    private void beginIteration() {
        it = new Iteration();
        replay.tell(new ReplayBuffer.TakeUnfinished(getContext().messageAdapter(ReplayBuffer.Unfinished.class,
                GotUnfinished::new)));
    }

    /** Rollout phase: resumed trajectories plus k fresh samples per new prompt, dealt round-robin to workers. */
    private Behavior<Command> onUnfinished(GotUnfinished m) {
        List<RolloutJob> jobs = new ArrayList<>();
        for (Trajectory t : m.u().trajectories()) {
            jobs.add(new RolloutJob(t, settings.tokenBudget(), seedOf(t.id())));
        }
        List<Prompt> prompts = sampler.next(iteration, settings.promptsPerIteration());
        for (int q = 0; q < prompts.size(); q++) {
            for (int j = 0; j < settings.samplesPerPrompt(); j++) {
                String id = TrajectoryIds.of("i" + iteration + "-q" + q, j);
                jobs.add(new RolloutJob(Trajectory.start(id, prompts.get(q)), settings.tokenBudget(), seedOf(id)));
            }
        }
        expectedReceived += jobs.size();
        List<List<RolloutJob>> shares = new ArrayList<>();
        workers.forEach(w -> shares.add(new ArrayList<>()));
        for (int i = 0; i < jobs.size(); i++) {
            shares.get(i % workers.size()).add(jobs.get(i));
        }
        ActorRef<RolloutWorker.Done> doneTo = getContext().messageAdapter(RolloutWorker.Done.class, WorkerDone::new);
        for (int w = 0; w < workers.size(); w++) {
            if (!shares.get(w).isEmpty()) {
                it.pendingWorkers++;
                workers.get(w).tell(new RolloutWorker.Rollout(shares.get(w), version, doneTo));
            }
        }
        if (it.pendingWorkers == 0) {
            askForGroups();
        }
        return this;
    }

    private Behavior<Command> onWorkerDone(WorkerDone d) {
        it.rollout = it.rollout.plus(d.d().stats());
        if (--it.pendingWorkers == 0) {
            askForGroups();
        }
        return this;
    }

    private void askForGroups() {
        replay.tell(new ReplayBuffer.TakeBatch(expectedReceived,
                getContext().messageAdapter(ReplayBuffer.Groups.class, GotGroups::new)));
    }

    /** Every emitted trajectory has reached the buffer: shape the complete groups and record their success. */
    private Behavior<Command> onGroups(GotGroups g) {
        it.rolloutSeconds = (System.nanoTime() - it.phaseStart) / 1e9;
        for (List<Trajectory> group : g.g().groups()) {
            long solved = group.stream().filter(t -> t.reward() >= 1.0).count();
            sampler.record(group.get(0).prompt().id(), solved, group.size());
        }
        reward.tell(new RewardActor.ShapeGroups(g.g().groups(), iteration,
                getContext().messageAdapter(RewardActor.Shaped.class, GotShaped::new)));
        return this;
    }

    private Behavior<Command> onShaped(GotShaped s) {
        it.batch = s.s().trajectories();
        it.phaseStart = System.nanoTime();
        trainer.tell(new Trainer.Train(new TrajectoryBatch(version, it.batch),
                getContext().messageAdapter(Trainer.Trained.class, GotTrained::new)));
        return this;
    }

    /** Weight sync: every worker switches to the new version before the next rollout. */
    private Behavior<Command> onTrained(GotTrained t) {
        it.trained = t.t();
        it.trainSeconds = (System.nanoTime() - it.phaseStart) / 1e9;
        it.phaseStart = System.nanoTime();
        version = t.t().version();
        it.pendingWorkers = workers.size();
        ActorRef<RolloutWorker.Loaded> loadedTo = getContext().messageAdapter(RolloutWorker.Loaded.class, WorkerLoaded::new);
        workers.forEach(w -> w.tell(new RolloutWorker.LoadWeights(version, null, loadedTo)));
        return this;
    }

    private Behavior<Command> onLoaded(WorkerLoaded l) {
        if (--it.pendingWorkers > 0) {
            return this;
        }
        boolean evaluate = !settings.heldOut().isEmpty()
                && (iteration % settings.evalEvery() == 0 || iteration == settings.iterations());
        if (evaluate) {
            trainer.tell(new Trainer.Evaluate(settings.heldOut(), settings.evalMaxTokens(),
                    getContext().messageAdapter(Evaluator.Result.class, GotEvaluation::new)));
            return this;
        }
        return endIteration(Double.NaN);
    }

    private Behavior<Command> onEvaluation(GotEvaluation e) {
        return endIteration(e.r().accuracy());
    }

    private Behavior<Command> endIteration(double heldOut) {
        double syncSeconds = (System.nanoTime() - it.phaseStart) / 1e9;
        double meanReward = it.batch.stream().mapToDouble(Trajectory::reward).average().orElse(Double.NaN);
        double meanLength = it.batch.stream().mapToInt(Trajectory::responseLength).average().orElse(Double.NaN);
        IterationReport r = new IterationReport(iteration, version, it.batch.size(), meanReward, meanLength, heldOut,
                it.rollout, it.trained.loss(), it.rolloutSeconds, it.trainSeconds, syncSeconds);
        reports.add(r);
        listener.accept(r);
        if (iteration >= settings.iterations()) {
            finishTo.tell(new Finished(version, List.copyOf(reports)));
            return Behaviors.stopped();
        }
        iteration++;
        beginIteration();
        return this;
    }

    /** A trajectory's random stream: fixed by the run seed and its id, so resumes and re-runs reproduce it. */
    private long seedOf(String trajectoryId) {
        long z = settings.seed() * 0x9E3779B97F4A7C15L + trajectoryId.hashCode();
        z = (z ^ (z >>> 33)) * 0xFF51AFD7ED558CCDL;
        return z ^ (z >>> 33);
    }
}
