package dev.tributary.runtime.job;

import dev.tributary.actors.master.Checkpointer;
import dev.tributary.actors.master.IterationReport;
import dev.tributary.actors.master.Master;
import dev.tributary.actors.reward.RewardFunction;
import dev.tributary.actors.reward.RewardFunctions;
import dev.tributary.actors.sampling.PromptSampler;
import dev.tributary.actors.trainer.Trainer;
import dev.tributary.model.PolicyVersion;
import dev.tributary.model.Trajectory;
import dev.tributary.model.policy.Optimizer;
import dev.tributary.model.policy.Policy;
import dev.tributary.model.task.Task;
import dev.tributary.model.weights.FlatWeights;
import dev.tributary.runtime.RunResult;
import dev.tributary.runtime.checkpoint.Checkpoint;
import dev.tributary.runtime.checkpoint.CheckpointStore;
import dev.tributary.runtime.checkpoint.OptimizerState;
import dev.tributary.runtime.metrics.IterationMetrics;
import dev.tributary.runtime.metrics.RunFiles;
import dev.tributary.runtime.node.EmbeddedGuardian;
import dev.tributary.runtime.node.JobSpec;
import dev.tributary.runtime.settings.SettingsException;
import dev.tributary.runtime.settings.TributarySettings;
import dev.tributary.sandbox.Sandbox;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.pekko.actor.typed.ActorSystem;

/**
 * One RL run in one JVM: everything is built from the settings (task, model, loss, sampler, reward function and
 * rollout behaviour by name) and checked when the job is constructed, so bad input fails before any work
 * starts. {@link #run()} then warms the policy up with SFT (or restores the latest checkpoint), runs the RL
 * iterations on the embedded actor node, and writes metrics, checkpoints and the curve plot.
 */
public final class TrainingJob {
    private final TributarySettings settings;
    private final Consumer<String> progress;
    private final Path out;
    private final JobParts parts;
    private final Task task;
    private final Policy policy;
    private final Optimizer optimizer;
    private final PromptSampler sampler;
    private final CheckpointStore store;
    private final Optional<Checkpoint> resumeFrom;
    private volatile RunFiles files;
    private final CompletableFuture<Master.Finished> done = new CompletableFuture<>();
    private volatile boolean cancelled;
    private volatile boolean stopAfterIteration;
    private volatile ActorSystem<Void> system;
    private Sandbox sandbox;

    /**
     * Builds every part of the run and checks the output directory; throws {@link IllegalArgumentException} with
     * a message naming the bad value (unknown names, a layout that does not fit a checkpoint, a directory that
     * already holds another run) before anything is written.
     */
    public TrainingJob(TributarySettings settings, Consumer<String> progress) {
        this.settings = settings;
        this.progress = progress;
        this.out = settings.run().outDir();
        this.parts = JobParts.of(settings);
        this.task = parts.task();
        this.policy = parts.policy();
        this.optimizer = parts.optimizer();
        this.sampler = parts.sampler();
        this.store = new CheckpointStore(out, settings.run().keepCheckpoints());
        this.resumeFrom = settings.run().resume() ? Optional.of(checkpointToResume()) : Optional.empty();
        if (resumeFrom.isEmpty()) {
            RunFiles.refuseAnEarlierRun(out, "continue that run with --resume, or choose another --out");
        }
    }

    private Checkpoint checkpointToResume() {
        Checkpoint c;
        try {
            c = store.latestOrEmpty().orElseThrow(() -> new SettingsException("tributary.run.resume", true,
                    "a checkpoint under " + store.directory() + ", but there is none; run without --resume"));
        } catch (IOException e) {
            throw new UncheckedIOException("reading the latest checkpoint under " + store.directory(), e);
        }
        long[] random = c.randomState();
        if (random.length == 0 || random[0] != settings.run().seed()) {
            throw new SettingsException("tributary.run.seed", settings.run().seed(), "the seed of the run being "
                    + "resumed (" + (random.length == 0 ? "unknown" : random[0]) + "), or it would not continue it");
        }
        if (c.iteration() >= settings.run().iterations()) {
            throw new SettingsException("tributary.run.iterations", settings.run().iterations(), "more than the "
                    + c.iteration() + " iterations the checkpoint already completed (raise --iterations)");
        }
        if (!c.weights().layout().equals(FlatWeights.export(policy.params(), PolicyVersion.INITIAL).layout())) {
            throw new SettingsException("tributary.model", settings.model(), "the model shape of the checkpoint "
                    + c.weights() + " being resumed");
        }
        return c;
    }

    public Path outDir() {
        return out;
    }

    /** The metrics of the iterations completed so far in this process. */
    public List<IterationMetrics> metrics() {
        RunFiles f = files;
        return f == null ? List.of() : f.metrics();
    }

    /**
     * Ends the run after the iteration in progress (checkpointed if checkpoints are on); {@link #run()} returns
     * normally. During SFT it takes effect after the first iteration.
     */
    public void stopAfterIteration() {
        stopAfterIteration = true;
    }

    /** Stops the run: SFT stops at its next step, the actor system terminates, {@link #run()} throws. */
    public void cancel() {
        cancelled = true;
        done.completeExceptionally(new CancellationException("the run was shut down"));
        ActorSystem<Void> s = system;
        if (s != null) {
            s.terminate();
        }
    }

    /** Runs SFT (or restores the checkpoint), then the RL iterations; blocks until the run is over. */
    public RunResult run() throws Exception {
        long start = System.nanoTime();
        Files.createDirectories(out);
        double sftAccuracy;
        int firstIteration;
        PolicyVersion version;
        List<Trajectory> replay;
        if (resumeFrom.isPresent()) {
            Checkpoint c = resumeFrom.get();
            c.weights().importInto(policy.params());
            c.optimizer().restoreInto(optimizer);
            sampler.restore(c.samplerStats());
            sftAccuracy = RunFiles.readSftAccuracy(out);
            firstIteration = c.iteration() + 1;
            version = c.weights().version();
            replay = c.replay();
            progress.accept(String.format(Locale.ROOT, "resuming %s after iteration %d (%s, %d trajectories in the "
                    + "replay buffer)", out, c.iteration(), version, replay.size()));
        } else {
            RunFiles.writeRunFiles(settings, Double.NaN);
            sftAccuracy = parts.warmUp(progress, () -> cancelled);
            RunFiles.writeRunFiles(settings, sftAccuracy);
            firstIteration = 1;
            version = PolicyVersion.INITIAL;
            replay = List.of();
        }
        JobSpec spec = spec(version, firstIteration, replay);
        try (RunFiles recorder = RunFiles.open(settings, resumeFrom.isPresent() ? firstIteration - 1
                : Integer.MAX_VALUE, settings.rollout()::workers, progress)) {
            files = recorder;
            Master.Finished finished = runActors(spec, recorder);
            List<IterationMetrics> history = recorder.plot(sftAccuracy);
            double finalAccuracy = RunFiles.finalAccuracy(history);
            return new RunResult(out, sftAccuracy, finalAccuracy, firstIteration,
                    history.isEmpty() ? firstIteration - 1 : history.get(history.size() - 1).iteration(),
                    finished.version(), history, FlatWeights.export(policy.params(), finished.version()),
                    Duration.ofNanos(System.nanoTime() - start));
        } finally {
            if (sandbox != null) {
                sandbox.close();
            }
        }
    }

    private Master.Finished runActors(JobSpec spec, Consumer<IterationReport> listener) throws Exception {
        if (cancelled) {
            throw new CancellationException("the run was shut down");
        }
        Checkpointer checkpointer = settings.run().checkpointEvery() == 0 ? Checkpointer.NONE : this::save;
        system = ActorSystem.create(EmbeddedGuardian.create(spec, parts.rolloutBehavior(), listener, checkpointer,
                () -> stopAfterIteration, done, (b, s) -> b), "tributary", settings.config());
        try {
            return done.get();
        } catch (ExecutionException e) {
            throw e.getCause() instanceof Exception x ? x : e;
        } finally {
            system.terminate();
            system.getWhenTerminated().toCompletableFuture().get(1, TimeUnit.MINUTES);
        }
    }

    private void save(Checkpointer.RunState s) throws IOException {
        Trainer.Snapshot t = s.trainer();
        store.save(new Checkpoint(s.iteration(), t.weights(), new OptimizerState(t.optimizerMoments(),
                t.optimizerStep()), s.replay(), s.samplerStats(), new long[] {settings.run().seed()}, Optional.empty()));
    }

    private JobSpec spec(PolicyVersion version, int firstIteration, List<Trajectory> replay) {
        RewardFunction reward = parts.rewardFactory().apply(new RewardFunctions.Context(task, this::sandbox));
        var r = settings.rollout();
        return new JobSpec(task, policy, optimizer, parts.loss(), sampler, reward, parts.shaping(),
                parts.rolloutSettings(), parts.masterSettings(), parts.trainerSettings(), r.workers(),
                settings.replay().capacity(), 2 * r.slots(), parts.deviceBudgetBytes(), version, firstIteration, replay);
    }

    private synchronized Sandbox sandbox() {
        if (sandbox == null) {
            sandbox = Sandbox.create();
        }
        return sandbox;
    }
}
