package dev.tributary.runtime.internal;

import dev.tributary.actors.master.Driver;
import dev.tributary.actors.master.MasterSettings;
import dev.tributary.actors.replay.ReplayStore;
import dev.tributary.actors.reward.LearnedReward;
import dev.tributary.actors.reward.RewardFunction;
import dev.tributary.actors.reward.RewardFunctions;
import dev.tributary.actors.reward.RewardModelLink;
import dev.tributary.actors.reward.RewardShaping;
import dev.tributary.actors.rollout.RolloutBehavior;
import dev.tributary.actors.rollout.RolloutSettings;
import dev.tributary.actors.sampling.PromptPool;
import dev.tributary.actors.sampling.PromptSampler;
import dev.tributary.actors.sampling.Samplers;
import dev.tributary.actors.sync.WeightSync;
import dev.tributary.actors.trainer.Trainer;
import dev.tributary.actors.trainer.TrainerStep;
import dev.tributary.model.Prompt;
import dev.tributary.model.algo.OffPolicyCorrection;
import dev.tributary.model.algo.OffPolicyCorrections;
import dev.tributary.model.algo.PolicyLoss;
import dev.tributary.model.algo.PolicyLosses;
import dev.tributary.model.engine.InferenceEngine;
import dev.tributary.model.engine.Sampling;
import dev.tributary.model.policy.Optimizer;
import dev.tributary.model.policy.Params;
import dev.tributary.model.policy.Policy;
import dev.tributary.model.policy.PolicyConfig;
import dev.tributary.model.reward.RewardModel;
import dev.tributary.model.reward.RewardModelFile;
import dev.tributary.model.task.Task;
import dev.tributary.model.task.Tasks;
import dev.tributary.model.train.Evaluator;
import dev.tributary.model.train.SftTrainer;
import dev.tributary.runtime.Plugins;
import dev.tributary.runtime.settings.PluginChoices;
import dev.tributary.runtime.settings.RewardModelSettings;
import dev.tributary.runtime.settings.SettingsException;
import dev.tributary.runtime.settings.TributarySettings;
import dev.tributary.sandbox.Sandbox;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.CancellationException;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The parts of one node, built from the settings and the plug-ins, the same way on every node: the task and a
 * policy of the configured shape (every node builds the same initial weights from the model seed), and, for the
 * roles the node runs, that role's plug-ins. Every plug-in name is checked on every node, so a misspelt one fails
 * wherever it is started, before anything runs.
 */
final class RunParts {
    private final TributarySettings settings;
    private final Plugins plugins;
    private final Topology topology;
    private final Task task;
    private final Policy policy;
    private final Optimizer optimizer;
    private final List<Prompt> heldOut;
    private final PromptPool pool;
    private final Supplier<Sandbox> sandbox;
    private final WeightSync weightSync;
    /** The plug-ins of this node's roles, built once at start (null for roles the node does not run). */
    private final Driver driver;
    private final PromptSampler sampler;
    private final RewardFunction rewardFunction;
    private final RewardShaping shaping;
    private final ReplayStore replayStore;
    private final RolloutBehavior rolloutBehavior;
    private final TrainerStep trainerStep;
    /** The reward node's way to the reward-model role, made when its reward function asks for one. */
    private RewardModelLink rewardModelLink;
    /** The model this node serves in the reward-model role (null when it serves none). */
    private final RewardModel rewardModel;

    RunParts(TributarySettings settings, Plugins plugins, Topology topology, Supplier<Sandbox> sandbox) {
        this.settings = settings;
        this.plugins = plugins;
        this.topology = topology;
        this.sandbox = sandbox;
        for (Plugins.Kind<?, ?> kind : Plugins.KINDS) {
            String name = choice(kind).name();
            if (!plugins.hasInstance(kind) && topology.uses(kind)) {
                plugins.registry(kind).checkName(name);
            }
        }
        RewardModelSettings.of(settings); // checked on every node, whether or not it serves or uses the model
        this.task = create(Plugins.TASK, new Tasks.Context(settings.run().seed()));
        PolicyConfig shape = settings.model().policy(task);
        this.policy = new Policy(Params.initialise(shape), settings.model().trainer());
        this.optimizer = new Optimizer(policy.params(), Optimizer.Settings.adam(settings.trainer().learningRate()));
        this.heldOut = Evaluator.heldOut(task, settings.eval().difficulty(), settings.eval().prompts(),
                settings.eval().seed());
        var d = settings.sampler().difficulty();
        this.pool = new PromptPool(task, d.start(), d.end(), settings.sampler().poolSize(), settings.run().seed());
        refusePicturesTheModelCannotTake(shape);
        // Built now, so that a class of the wrong type or a constructor refusing its settings fails at start.
        this.driver = topology.uses(Plugins.DRIVER) ? create(Plugins.DRIVER, masterSettings()) : null;
        refuseWhatTheAsynchronousDriverCannotHonour();
        this.weightSync = topology.weightSync(this);
        this.sampler = topology.uses(Plugins.SAMPLER)
                ? create(Plugins.SAMPLER, new Samplers.Context(pool, settings.run().seed())) : null;
        var r = settings.reward();
        this.rewardFunction = topology.uses(Plugins.REWARD_FUNCTION)
                ? create(Plugins.REWARD_FUNCTION, new RewardFunctions.Context(task, sandbox, this::linkToRewardModel))
                : null;
        // The reward-model role: a node that names it, or a run without a cluster whose reward function uses it.
        this.rewardModel = topology.has(RoleKeys.REWARD_MODEL) || (!topology.cluster() && rewardModelLink != null)
                ? RewardModelFile.load(RewardModelSettings.learnedPath(settings), task.name(), task.tokenizer())
                : null;
        this.shaping = topology.uses(Plugins.REWARD_SHAPING) ? create(Plugins.REWARD_SHAPING,
                new RewardShaping.Context(r.lengthPenaltyWeight(), r.lengthPenaltyWarmupIterations(),
                        r.repeatPenalty())) : null;
        this.replayStore = topology.uses(Plugins.REPLAY_STORE) ? create(Plugins.REPLAY_STORE,
                new ReplayStore.Context(settings.sampler().samplesPerPrompt(), settings.replay().capacity(),
                        settings.sampler().promptsPerIteration())) : null;
        this.rolloutBehavior = topology.uses(Plugins.ROLLOUT_BEHAVIOR)
                ? create(Plugins.ROLLOUT_BEHAVIOR, new RolloutBehavior.Context(rolloutSettings(),
                settings.model().engine())) : null;
        this.trainerStep = topology.uses(Plugins.TRAINER_STEP) ? trainerStep(settings.sampler().samplesPerPrompt())
                : null;
    }

    /** The trainer step over the chosen loss, corrected for off-policy samples unless the correction is none. */
    private TrainerStep trainerStep(int k) {
        var lossContext = new PolicyLosses.Context(k);
        PolicyLoss loss = create(Plugins.LOSS, lossContext);
        OffPolicyCorrection correction = create(Plugins.CORRECTION, lossContext);
        boolean corrects = !correction.name().equals(OffPolicyCorrections.none().name());
        PolicyLoss trained = corrects ? OffPolicyCorrections.corrected(loss, correction) : loss;
        return create(Plugins.TRAINER_STEP, new TrainerStep.Context(policy, optimizer, trained, trainerSettings(),
                corrects));
    }

    /**
     * Every prompt the run will show (its pool and held-out set) fits the vision front end the task asked for: a task
     * whose pictures differ from what it declares (or a text task that shows pictures) is refused here, in one line,
     * rather than by a rollout worker's engine mid-run.
     */
    private void refusePicturesTheModelCannotTake(PolicyConfig shape) {
        List<Prompt> shown = new ArrayList<>(pool.all());
        shown.addAll(heldOut);
        for (Prompt p : shown) {
            try {
                shape.vision().check(p.images(), "prompt '" + p.id() + "'");
            } catch (IllegalArgumentException e) {
                throw new SettingsException(Tasks.KEY, "\"" + settings.plugins().get(Tasks.KEY).name() + "\"",
                        "a task whose prompts fit the vision front end it declares (Task.vision()), but "
                        + e.getMessage(), e);
            }
        }
        Prompt largest = shown.stream().max(java.util.Comparator.comparingLong(Prompt::imageBytes)).orElse(null);
        long frame = dev.tributary.streams.weights.WeightSyncSettings.frameLimit(settings.config());
        if (topology.cluster() && largest != null && largest.imageBytes() + FRAME_RESERVE_BYTES > frame) {
            // Rollout jobs, segments and batches cross nodes whole: a prompt whose pictures do not fit one frame
            // would be refused at every send.
            throw new SettingsException("pekko.remote.artery.advanced.maximum-frame-size", frame, "more than "
                    + (largest.imageBytes() + FRAME_RESERVE_BYTES) + " bytes on a cluster: prompt '" + largest.id()
                    + "' carries " + largest.imageBytes() + " bytes of images, and a message holding it must fit "
                    + "one frame (or use smaller pictures)");
        }
    }

    /** Room a message needs beside one prompt's pictures: its tokens, segments and the envelope. */
    private static final long FRAME_RESERVE_BYTES = 16 * 1024;

    private void refuseWhatTheAsynchronousDriverCannotHonour() {
        PluginChoices.Choice d = choice(Plugins.DRIVER);
        if (d.name().equals("asynchronous") && d.settings().hasPath("max-staleness")) {
            // At most η + 1 rounds are out or untrained at once, one more of room keeps the stream flowing, and a
            // group waits for its slowest sample, resumed over up to ⌈max-response / token-budget⌉ rounds.
            var r = settings.rollout();
            long round = (long) settings.sampler().promptsPerIteration() * settings.sampler().samplesPerPrompt();
            long segments = (r.maxResponseTokens() + r.tokenBudget() - 1) / r.tokenBudget();
            long needed = (d.settings().getInt("max-staleness") + 2L) * round * segments;
            if (settings.replay().capacity() < needed) {
                throw new SettingsException("tributary.replay.capacity", settings.replay().capacity(), "at least "
                        + needed + " with the asynchronous driver: (max-staleness + 2) rounds of " + round
                        + " trajectories × " + segments + " rounds a cut trajectory may take to finish, or the rounds "
                        + "out at once could fill the buffer and stall");
            }
        }
        if (d.name().equals("asynchronous") && d.settings().hasPath("on-stale")
                && d.settings().getString("on-stale").equals("mask") && settings.replay().maxSegmentAge() == 0) {
            throw new SettingsException("tributary.master.asynchronous.on-stale", "\"mask\"", "drop, or "
                    + "tributary.replay.max-segment-age > 0 (the age beyond which the trainer masks segments)");
        }
    }

    /**
     * True when rollout and training run at once: the driver says so on the master's node; other nodes go by
     * the driver's name (a cluster node's weights are broadcast anyway).
     */
    boolean phasesOverlap() {
        return driver != null ? driver.overlapsPhases()
                : choice(Plugins.DRIVER).name().equals("asynchronous");
    }

    private PluginChoices.Choice choice(Plugins.Kind<?, ?> kind) {
        return settings.plugins().get(kind.key());
    }

    /** The plug-in of {@code kind} this run chose, built with its settings and {@code context}. */
    <C, T> T create(Plugins.Kind<C, T> kind, C context) {
        PluginChoices.Choice c = choice(kind);
        return plugins.create(kind, c.name(), c.settings(), context);
    }

    TributarySettings settings() {
        return settings;
    }

    Plugins plugins() {
        return plugins;
    }

    Topology topology() {
        return topology;
    }

    Task task() {
        return task;
    }

    /** This node's policy: the trainer's, and the rollout engines' (shared in one JVM, a copy per node otherwise). */
    Policy policy() {
        return policy;
    }

    Optimizer optimizer() {
        return optimizer;
    }

    List<Prompt> heldOut() {
        return heldOut;
    }

    /** The training prompts drawn once for the run (SFT and RL draw from them). */
    PromptPool pool() {
        return pool;
    }

    WeightSync weightSync() {
        return weightSync;
    }

    Driver driver() {
        return driver;
    }

    PromptSampler sampler() {
        return sampler;
    }

    RewardFunction rewardFunction() {
        return rewardFunction;
    }

    RewardShaping shaping() {
        return shaping;
    }

    ReplayStore replayStore() {
        return replayStore;
    }

    RolloutBehavior rolloutBehavior() {
        return rolloutBehavior;
    }

    TrainerStep trainerStep() {
        return trainerStep;
    }

    private LearnedReward.Model linkToRewardModel() {
        if (rewardModelLink == null) {
            rewardModelLink = new RewardModelLink(RewardModelSettings.of(settings).timeout());
        }
        return rewardModelLink::probability;
    }

    /** The link the reward function scores through, or null when it needs none. */
    RewardModelLink rewardModelLink() {
        return rewardModelLink;
    }

    /** The reward model this node serves, or null. */
    RewardModel rewardModel() {
        return rewardModel;
    }

    /** The master's schedule; checkpoints only where the topology can write them. */
    MasterSettings masterSettings() {
        var r = settings.rollout();
        var sp = settings.sampler();
        return new MasterSettings(settings.run().iterations(), sp.promptsPerIteration(), sp.samplesPerPrompt(),
                r.tokenBudget(), r.maxResponseTokens(), settings.run().seed(), heldOut, settings.eval().every(),
                r.maxResponseTokens(), settings.run().checkpointEvery(), r.batchesPerWorker());
    }

    Trainer.Settings trainerSettings() {
        var tr = settings.trainer();
        return new Trainer.Settings(tr.stepsPerIteration(), tr.minibatchSize(), tr.resetOptimizer(),
                settings.replay().maxSegmentAge(), trainerWorkingBytes(), settings.run().seed(), tr.microbatchTokens());
    }

    RolloutSettings rolloutSettings() {
        var r = settings.rollout();
        PluginChoices.Choice d = choice(Plugins.DRIVER);
        var kv = d.name().equals("asynchronous") && Plugins.weightSwap(d.settings()).equals("keep")
                ? InferenceEngine.KvOnSwap.KEEP : InferenceEngine.KvOnSwap.RECOMPUTE;
        return new RolloutSettings(r.slots(), new Sampling(r.temperature(), r.topP()), r.repeatNgram(), r.repeatLimit(),
                kv);
    }

    /** The device memory budget in bytes (colocated mode). */
    long deviceBudgetBytes() {
        return (long) settings.device().memoryBudgetMb() << 20;
    }

    /**
     * What one training step holds besides the weights: gradients and Adam's two moments (3× the weights) plus
     * the activations of a minibatch, kept for the backward pass (a generous 16 floats per layer and width).
     */
    private long trainerWorkingBytes() {
        PolicyConfig c = policy.config();
        long weights = 4L * policy.params().count();
        long activations = 4L * settings.trainer().minibatchSize() * c.contextLength()
                * (16L * c.layers() * Math.max(c.dModel(), c.ffHidden()) + 3L * c.vocabSize());
        return 3 * weights + activations;
    }

    /** Supervised warm-up on the task's worked solutions, then held-out accuracy, which it returns. */
    double warmUp(Consumer<String> progress, BooleanSupplier cancelled) {
        var sft = settings.sft();
        if (sft.steps() > 0) {
            var vision = policy.config().vision();
            progress.accept(String.format(Locale.ROOT, "SFT warm-up: %d steps × %d worked solutions, lr %s, "
                    + "%,d parameters", sft.steps(), sft.batchSize(), sft.learningRate(), policy.params().count())
                    + (vision.enabled() ? String.format(Locale.ROOT, " (vision front end: %s images, %d patches of "
                    + "%d×%d each)", vision.imageShape(), vision.patchesPerImage(), vision.patch(), vision.patch())
                    : ""));
            SftTrainer trainer = new SftTrainer(policy, new Optimizer(policy.params(),
                    Optimizer.Settings.adam(sft.learningRate())), task);
            SplittableRandom rng = new SplittableRandom(settings.run().seed());
            List<Prompt> prompts = pool.all();
            long start = System.nanoTime();
            for (int step = 1; step <= sft.steps(); step++) {
                if (cancelled.getAsBoolean()) {
                    throw new CancellationException("the run was shut down during SFT");
                }
                List<Prompt> batch = new ArrayList<>(sft.batchSize());
                for (int i = 0; i < sft.batchSize(); i++) {
                    batch.add(prompts.get(rng.nextInt(prompts.size())));
                }
                SftTrainer.Step st = trainer.step(batch);
                if (step % 100 == 0 || step == sft.steps()) {
                    progress.accept(String.format(Locale.ROOT, "sft  %5d/%d | loss %.4f | %.1fs", step, sft.steps(),
                            st.loss(), (System.nanoTime() - start) / 1e9));
                }
            }
        }
        if (heldOut.isEmpty()) {
            return Double.NaN;
        }
        InferenceEngine engine = new InferenceEngine(policy.params(), Math.min(64, heldOut.size()),
                settings.model().engine());
        double accuracy;
        try {
            accuracy = Evaluator.exactMatch(engine, task, heldOut, settings.rollout().maxResponseTokens()).accuracy();
        } finally {
            engine.release();
        }
        progress.accept(String.format(Locale.ROOT, "held-out accuracy after SFT: %.1f%% (%d prompts, difficulty %d)",
                100 * accuracy, heldOut.size(), settings.eval().difficulty()));
        return accuracy;
    }
}
