package dev.tributary.actors.master;

import dev.tributary.actors.device.DeviceArbiter;
import dev.tributary.actors.replay.ReplayBuffer;
import dev.tributary.actors.reward.RewardActor;
import dev.tributary.actors.rollout.RolloutJob;
import dev.tributary.actors.rollout.RolloutWork;
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
import dev.tributary.streams.serialization.RemoteMessage;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.Terminated;
import org.apache.pekko.actor.typed.delivery.ConsumerController;
import org.apache.pekko.actor.typed.delivery.WorkPullingProducerController;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;

/**
 * The master role: runs iterative synchronous RL (Kimi k1.5 §2.6.1). Each iteration resumes the unfinished
 * trajectories, adds k samples of fresh prompts, rolls all out under the token budget, trains on the complete
 * groups, hands the new weights to the workers, evaluates and checkpoints when due. One message per step:
 * {@code Start → [(Loaded × workers) → Restored] → Unfinished → (BatchDone × batches) → Groups → Shaped → Trained →
 * (Loaded × workers) → DeviceStats → [Evaluated] → [Snapshot → Contents → Saved] → next iteration}.
 *
 * <p>Rollout batches go out through Reliable Delivery work pulling ({@link RolloutWork}): whichever worker asks
 * gets the next batch, and a lost worker's unconfirmed batches are sent to the others by the producer controller.
 * The master only counts batches done, once each; it watches its workers to stop waiting for their weight loads,
 * and the other roles to stop the run with a clear cause if one is gone.
 *
 * <p>Everything that reaches the trainer is put in a fixed order (jobs, groups and trajectories by id), so a run
 * is a function of its seed and settings, whichever worker finishes first; this is what makes a resumed run
 * repeat the uninterrupted one.
 */
public final class Master extends AbstractBehavior<Master.Command> {
    public sealed interface Command extends RemoteMessage permits Start, StartLoaded, Restored, GotUnfinished, WorkRequested,
            BatchDone, GotGroups, GotShaped, GotTrained, WorkerLoaded, GotDeviceStats, GotEvaluation, GotSnapshot,
            GotContents, Saved {
    }

    /**
     * Start at {@code iteration} (1, or the one after a checkpoint) with the workers at {@code version};
     * {@code restoredReplay} is the replay content of that checkpoint (empty for a fresh run).
     */
    public record Start(int iteration, PolicyVersion version, List<Trajectory> restoredReplay,
                        ActorRef<Finished> replyTo) implements Command {
        public Start {
            restoredReplay = List.copyOf(restoredReplay);
        }
    }

    private record StartLoaded(RolloutWorker.Loaded l) implements Command {
    }

    private record Restored(ReplayBuffer.Ack ack) implements Command {
    }

    private record GotUnfinished(ReplayBuffer.Unfinished u) implements Command {
    }

    private record WorkRequested(WorkPullingProducerController.RequestNext<RolloutWork.Batch> next)
            implements Command, NoSerializationVerificationNeeded {
    }

    private record BatchDone(RolloutWork.BatchDone d) implements Command {
    }

    private record GotGroups(ReplayBuffer.Groups g) implements Command {
    }

    private record GotShaped(RewardActor.Shaped s) implements Command {
    }

    private record GotTrained(Trainer.Trained t) implements Command {
    }

    private record WorkerLoaded(RolloutWorker.Loaded l) implements Command {
    }

    private record GotDeviceStats(DeviceArbiter.Stats s) implements Command {
    }

    private record GotEvaluation(Evaluator.Result r) implements Command {
    }

    private record GotSnapshot(Trainer.Snapshot s) implements Command {
    }

    private record GotContents(ReplayBuffer.Contents c) implements Command {
    }

    private record Saved(Throwable failure) implements Command, NoSerializationVerificationNeeded {
    }

    /** The run is over: the last version and every iteration's report (of this process, after a resume). */
    public record Finished(PolicyVersion version, List<IterationReport> reports) implements RemoteMessage {
    }

    /** The roles the master drives. */
    public record Roles(List<ActorRef<RolloutWorker.Command>> workers, ActorRef<ReplayBuffer.Command> replay,
                        ActorRef<RewardActor.Command> reward, ActorRef<Trainer.Command> trainer,
                        ActorRef<DeviceArbiter.Command> arbiter) {
        public Roles {
            workers = List.copyOf(workers);
            if (workers.isEmpty()) {
                throw new IllegalArgumentException("the master needs at least one rollout worker");
            }
        }
    }

    private static final Comparator<Trajectory> BY_ID = Comparator.comparing(Trajectory::id);

    private final MasterSettings settings;
    private final PromptSampler sampler;
    private final Roles roles;
    /** The live rollout workers: those of {@link Roles}, less any that were lost. */
    private final List<ActorRef<RolloutWorker.Command>> workers;
    private final Consumer<IterationReport> listener;
    private final Checkpointer checkpointer;
    private final BooleanSupplier stopRequested;
    private boolean stopping;
    private final Executor blocking;
    private final List<IterationReport> reports = new ArrayList<>();
    private ActorRef<Finished> finishTo;
    private int iteration;
    private PolicyVersion version;
    private long expectedReceived;
    private double handoffMillisSoFar;
    private int startLoadsPending;
    private List<Trajectory> restoredReplay = List.of();
    private Iteration it;
    private final ActorRef<WorkPullingProducerController.Command<RolloutWork.Batch>> work;
    private final ActorRef<RolloutWork.BatchDone> batchDoneTo;
    /** Where the next batch may go; null until the producer controller asks for one. */
    private ActorRef<RolloutWork.Batch> sendNextTo;
    private final Deque<RolloutWork.Batch> unsent = new ArrayDeque<>();

    /** Per-iteration bookkeeping. */
    private static final class Iteration {
        final long start = System.nanoTime();
        long phaseStart = start;
        /** The ids of this iteration's batches not yet done. */
        final Set<String> outstanding = new HashSet<>();
        final Set<ActorRef<RolloutWorker.Command>> awaitingLoad = new HashSet<>();
        RolloutStats rollout = RolloutStats.EMPTY;
        double rolloutSeconds;
        double trainSeconds;
        double syncSeconds;
        double handoffMillis;
        List<Trajectory> batch = List.of();
        Trainer.Trained trained;
        Trainer.Snapshot snapshot;
    }

    public static Behavior<Command> create(MasterSettings settings, PromptSampler sampler, Roles roles,
                                           Consumer<IterationReport> listener, Checkpointer checkpointer) {
        return create(settings, sampler, roles, listener, checkpointer, () -> false);
    }

    /**
     * @param stopRequested read after each iteration: when true the run ends there (with a checkpoint if
     *                      checkpoints are on), as if that iteration had been the last
     */
    public static Behavior<Command> create(MasterSettings settings, PromptSampler sampler, Roles roles,
                                           Consumer<IterationReport> listener, Checkpointer checkpointer,
                                           BooleanSupplier stopRequested) {
        return create(settings, sampler, roles, listener, checkpointer, stopRequested, RolloutWork.KEY);
    }

    /** @param workKey the service key the workers' consumer controllers are registered under */
    public static Behavior<Command> create(MasterSettings settings, PromptSampler sampler, Roles roles,
                                           Consumer<IterationReport> listener, Checkpointer checkpointer,
                                           BooleanSupplier stopRequested,
                                           ServiceKey<ConsumerController.Command<RolloutWork.Batch>> workKey) {
        return Behaviors.setup(ctx -> new Master(ctx, settings, sampler, roles, listener, checkpointer, stopRequested,
                workKey));
    }

    private Master(ActorContext<Command> ctx, MasterSettings settings, PromptSampler sampler, Roles roles,
                   Consumer<IterationReport> listener, Checkpointer checkpointer, BooleanSupplier stopRequested,
                   ServiceKey<ConsumerController.Command<RolloutWork.Batch>> workKey) {
        super(ctx);
        this.stopRequested = stopRequested;
        this.workers = new ArrayList<>(roles.workers());
        workers.forEach(ctx::watch);
        List.of(roles.replay(), roles.reward(), roles.trainer()).forEach(ctx::watch);
        this.work = ctx.spawn(WorkPullingProducerController.create(RolloutWork.Batch.class,
                "master-" + ctx.getSelf().path().address().hostPort(), workKey, Optional.empty()), "work");
        work.tell(new WorkPullingProducerController.Start<>(ctx.messageAdapter(
                WorkPullingProducerController.requestNextClass(), WorkRequested::new)));
        this.batchDoneTo = ctx.messageAdapter(RolloutWork.BatchDone.class, BatchDone::new);
        this.settings = settings;
        this.sampler = sampler;
        this.roles = roles;
        this.listener = listener;
        this.checkpointer = checkpointer;
        this.blocking = ctx.getSystem().dispatchers().lookup(DispatcherSelector.blocking());
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(Start.class, this::onStart)
                .onMessage(StartLoaded.class, this::onStartLoaded)
                .onMessage(Restored.class, r -> beginIteration())
                .onMessage(GotUnfinished.class, this::onUnfinished)
                .onMessage(WorkRequested.class, this::onWorkRequested)
                .onMessage(BatchDone.class, this::onBatchDone)
                .onMessage(GotGroups.class, this::onGroups)
                .onMessage(GotShaped.class, this::onShaped)
                .onMessage(GotTrained.class, this::onTrained)
                .onMessage(WorkerLoaded.class, this::onLoaded)
                .onMessage(GotDeviceStats.class, this::onDeviceStats)
                .onMessage(GotEvaluation.class, e -> endIteration(e.r().accuracy()))
                .onMessage(GotSnapshot.class, this::onSnapshot)
                .onMessage(GotContents.class, this::onContents)
                .onMessage(Saved.class, this::onSaved)
                .onSignal(Terminated.class, t -> onTerminated(t.getRef().unsafeUpcast()))
                .build();
    }

    private Behavior<Command> onStart(Start s) {
        if (finishTo != null) {
            throw new IllegalStateException("the master was started twice");
        }
        if (s.iteration() < 1 || s.iteration() > settings.iterations()) {
            throw new IllegalArgumentException("start iteration " + s.iteration() + " must be in 1.."
                    + settings.iterations());
        }
        finishTo = s.replyTo();
        iteration = s.iteration();
        version = s.version();
        restoredReplay = s.restoredReplay();
        if (version.equals(PolicyVersion.INITIAL)) {
            return restoreReplay();
        }
        // Resuming: the workers start at the initial version and must switch to the checkpoint's first.
        startLoadsPending = workers.size();
        ActorRef<RolloutWorker.Loaded> loadedTo = getContext().messageAdapter(RolloutWorker.Loaded.class,
                StartLoaded::new);
        workers.forEach(w -> w.tell(new RolloutWorker.LoadWeights(version, null, loadedTo)));
        return this;
    }

    private Behavior<Command> onStartLoaded(StartLoaded l) {
        return --startLoadsPending == 0 ? restoreReplay() : this;
    }

    private Behavior<Command> restoreReplay() {
        if (restoredReplay.isEmpty()) {
            return beginIteration();
        }
        // Counted from zero again: the buffer's arrival count restarts with the restore.
        roles.replay().tell(new ReplayBuffer.Restore(restoredReplay, 0,
                getContext().messageAdapter(ReplayBuffer.Ack.class, Restored::new)));
        restoredReplay = List.of();
        return this;
    }

    private Behavior<Command> beginIteration() {
        it = new Iteration();
        roles.replay().tell(new ReplayBuffer.TakeUnfinished(getContext().messageAdapter(ReplayBuffer.Unfinished.class,
                GotUnfinished::new)));
        return this;
    }

    /** Rollout phase: resumed trajectories plus k fresh samples per new prompt, in batches for work pulling. */
    private Behavior<Command> onUnfinished(GotUnfinished m) {
        List<RolloutJob> jobs = new ArrayList<>();
        for (Trajectory t : m.u().trajectories().stream().sorted(BY_ID).toList()) {
            jobs.add(job(t));
        }
        List<Prompt> prompts = sampler.next(iteration, settings.promptsPerIteration());
        for (int q = 0; q < prompts.size(); q++) {
            for (int j = 0; j < settings.samplesPerPrompt(); j++) {
                jobs.add(job(Trajectory.start(TrajectoryIds.of("i" + iteration + "-q" + q, j), prompts.get(q))));
            }
        }
        expectedReceived += jobs.size();
        if (jobs.isEmpty()) {
            askForGroups();
            return this;
        }
        // Job i goes to batch i mod n: the batches are a function of the job list and the number of live workers.
        int n = Math.min(jobs.size(), settings.batchesPerWorker() * workers.size());
        List<List<RolloutJob>> batches = new ArrayList<>();
        for (int b = 0; b < n; b++) {
            batches.add(new ArrayList<>());
        }
        for (int i = 0; i < jobs.size(); i++) {
            batches.get(i % n).add(jobs.get(i));
        }
        for (int b = 0; b < n; b++) {
            RolloutWork.Batch batch = new RolloutWork.Batch("i" + iteration + "-b" + b, batches.get(b), version,
                    batchDoneTo);
            it.outstanding.add(batch.id());
            unsent.add(batch);
        }
        sendBatches();
        return this;
    }

    private Behavior<Command> onWorkRequested(WorkRequested r) {
        sendNextTo = r.next().sendNextTo();
        sendBatches();
        return this;
    }

    /** The producer controller asks for one batch at a time, and only while some worker has room for it. */
    private void sendBatches() {
        if (sendNextTo != null && !unsent.isEmpty()) {
            sendNextTo.tell(unsent.poll());
            sendNextTo = null;
        }
    }

    private Behavior<Command> onTerminated(ActorRef<Void> ref) {
        for (var role : List.of(roles.replay(), roles.reward(), roles.trainer())) {
            if (role.equals(ref)) {
                throw new IllegalStateException("role " + ref.path().name() + " at " + ref.path().address()
                        + " is gone in iteration " + iteration + "; the run cannot go on without it");
            }
        }
        return onWorkerLost(ref);
    }

    /**
     * A rollout worker is gone (its node was downed, or it failed). Work pulling sends its unconfirmed batches to
     * the other workers; the master only stops expecting its weight loads.
     */
    private Behavior<Command> onWorkerLost(ActorRef<Void> ref) {
        ActorRef<RolloutWorker.Command> lost = workers.stream().filter(w -> w.equals(ref)).findFirst().orElse(null);
        if (lost == null) {
            return this;
        }
        workers.remove(lost);
        if (workers.isEmpty()) {
            throw new IllegalStateException("rollout worker " + lost.path() + " is gone and no rollout worker is left");
        }
        getContext().getLog().warn("rollout worker {} is gone in iteration {}: its unconfirmed batches go to the {} "
                + "others", lost.path(), iteration, workers.size());
        if (it != null && it.awaitingLoad.remove(lost) && it.awaitingLoad.isEmpty()) {
            synced();
        }
        return this;
    }

    private RolloutJob job(Trajectory t) {
        return RolloutJob.of(t, settings.tokenBudget(), settings.maxResponseTokens(), seedOf(t.id()));
    }

    /** Counted once per batch: a batch re-run after its worker was lost may be answered twice. */
    private Behavior<Command> onBatchDone(BatchDone d) {
        if (it == null || !it.outstanding.remove(d.d().id())) {
            return this;
        }
        it.rollout = it.rollout.plus(d.d().done().stats());
        if (it.outstanding.isEmpty()) {
            askForGroups();
        }
        return this;
    }

    private void askForGroups() {
        roles.replay().tell(new ReplayBuffer.TakeBatch(expectedReceived,
                getContext().messageAdapter(ReplayBuffer.Groups.class, GotGroups::new)));
    }

    /** Every emitted trajectory has reached the buffer: shape the complete groups and record their success. */
    private Behavior<Command> onGroups(GotGroups g) {
        it.rolloutSeconds = secondsSince(it.phaseStart);
        List<List<Trajectory>> groups = new ArrayList<>();
        for (List<Trajectory> group : g.g().groups()) {
            groups.add(group.stream().sorted(BY_ID).toList());
        }
        groups.sort(Comparator.comparing(group -> group.get(0).id()));
        for (List<Trajectory> group : groups) {
            long solved = group.stream().filter(t -> t.reward() >= 1.0).count();
            sampler.record(group.get(0).prompt().id(), solved, group.size());
        }
        roles.reward().tell(new RewardActor.ShapeGroups(groups, iteration,
                getContext().messageAdapter(RewardActor.Shaped.class, GotShaped::new)));
        return this;
    }

    private Behavior<Command> onShaped(GotShaped s) {
        it.batch = s.s().trajectories();
        it.phaseStart = System.nanoTime();
        roles.trainer().tell(new Trainer.Train(new TrajectoryBatch(version, it.batch),
                getContext().messageAdapter(Trainer.Trained.class, GotTrained::new)));
        return this;
    }

    /** Weight sync: every worker switches to the new version before the next rollout. */
    private Behavior<Command> onTrained(GotTrained t) {
        it.trained = t.t();
        it.trainSeconds = secondsSince(it.phaseStart);
        it.phaseStart = System.nanoTime();
        version = t.t().version();
        it.awaitingLoad.addAll(workers);
        ActorRef<RolloutWorker.Loaded> loadedTo = getContext().messageAdapter(RolloutWorker.Loaded.class, WorkerLoaded::new);
        workers.forEach(w -> w.tell(new RolloutWorker.LoadWeights(version, null, loadedTo)));
        return this;
    }

    private Behavior<Command> onLoaded(WorkerLoaded l) {
        if (it.awaitingLoad.remove(l.l().from()) && it.awaitingLoad.isEmpty()) {
            synced();
        }
        return this;
    }

    private void synced() {
        it.syncSeconds = secondsSince(it.phaseStart);
        roles.arbiter().tell(new DeviceArbiter.GetStats(getContext().messageAdapter(DeviceArbiter.Stats.class,
                GotDeviceStats::new)));
    }

    private Behavior<Command> onDeviceStats(GotDeviceStats d) {
        it.handoffMillis = d.s().totalHandoffMillis() - handoffMillisSoFar;
        handoffMillisSoFar = d.s().totalHandoffMillis();
        if (settings.evaluates(iteration)) {
            roles.trainer().tell(new Trainer.Evaluate(settings.heldOut(), settings.evalMaxTokens(),
                    getContext().messageAdapter(Evaluator.Result.class, GotEvaluation::new)));
            return this;
        }
        return endIteration(Double.NaN);
    }

    private Behavior<Command> endIteration(double heldOut) {
        double meanReward = it.batch.stream().mapToDouble(Trajectory::reward).average().orElse(Double.NaN);
        double meanLength = it.batch.stream().mapToInt(Trajectory::responseLength).average().orElse(Double.NaN);
        IterationReport r = new IterationReport(iteration, version, it.batch.size(), meanReward, meanLength, heldOut,
                it.rollout, it.trained.loss(), it.rolloutSeconds, it.trainSeconds, it.syncSeconds, it.handoffMillis,
                secondsSince(it.start));
        reports.add(r);
        listener.accept(r);
        stopping = iteration >= settings.iterations() || stopRequested.getAsBoolean();
        if (settings.checkpoints(iteration) || (stopping && settings.checkpointEvery() > 0)) {
            roles.trainer().tell(new Trainer.GetSnapshot(getContext().messageAdapter(Trainer.Snapshot.class,
                    GotSnapshot::new)));
            return this;
        }
        return nextIteration();
    }

    private Behavior<Command> onSnapshot(GotSnapshot s) {
        it.snapshot = s.s();
        roles.replay().tell(new ReplayBuffer.GetContents(getContext().messageAdapter(ReplayBuffer.Contents.class,
                GotContents::new)));
        return this;
    }

    private Behavior<Command> onContents(GotContents c) {
        Checkpointer.RunState state = new Checkpointer.RunState(iteration, it.snapshot, c.c().trajectories(),
                sampler.statistics());
        getContext().pipeToSelf(CompletableFuture.runAsync(() -> {
            try {
                checkpointer.save(state);
            } catch (Exception e) {
                throw new IllegalStateException("checkpoint after iteration " + state.iteration() + " failed: "
                        + e.getMessage(), e);
            }
        }, blocking), (ok, failure) -> new Saved(failure));
        return this;
    }

    private Behavior<Command> onSaved(Saved s) {
        if (s.failure() != null) {
            Throwable cause = s.failure() instanceof CompletionException c && c.getCause() != null ? c.getCause()
                    : s.failure();
            throw new IllegalStateException("run stopped: " + cause.getMessage(), cause);
        }
        return nextIteration();
    }

    private Behavior<Command> nextIteration() {
        if (stopping) {
            finishTo.tell(new Finished(version, List.copyOf(reports)));
            return Behaviors.stopped();
        }
        iteration++;
        return beginIteration();
    }

    private static double secondsSince(long nanos) {
        return (System.nanoTime() - nanos) / 1e9;
    }

    /** A trajectory's random stream: fixed by the run seed and its id, so resumes and re-runs reproduce it. */
    private long seedOf(String trajectoryId) {
        long z = settings.seed() * 0x9E3779B97F4A7C15L + trajectoryId.hashCode();
        z = (z ^ (z >>> 33)) * 0xFF51AFD7ED558CCDL;
        return z ^ (z >>> 33);
    }
}
