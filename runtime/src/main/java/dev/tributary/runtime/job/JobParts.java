package dev.tributary.runtime.job;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.tributary.actors.master.MasterSettings;
import dev.tributary.actors.reward.RewardFunction;
import dev.tributary.actors.reward.RewardFunctions;
import dev.tributary.actors.reward.RewardShaping;
import dev.tributary.actors.rollout.RolloutSettings;
import dev.tributary.actors.sampling.PromptPool;
import dev.tributary.actors.sampling.PromptSampler;
import dev.tributary.actors.sampling.Samplers;
import dev.tributary.actors.trainer.Trainer;
import dev.tributary.model.Prompt;
import dev.tributary.model.algo.PolicyLoss;
import dev.tributary.model.algo.PolicyLosses;
import dev.tributary.model.engine.InferenceEngine;
import dev.tributary.model.engine.Sampling;
import dev.tributary.model.policy.Optimizer;
import dev.tributary.model.policy.Params;
import dev.tributary.model.policy.Policy;
import dev.tributary.model.policy.PolicyConfig;
import dev.tributary.model.task.Task;
import dev.tributary.model.task.Tasks;
import dev.tributary.model.train.Evaluator;
import dev.tributary.model.train.SftTrainer;
import dev.tributary.runtime.node.EmbeddedGuardian;
import dev.tributary.runtime.node.RolloutBehaviors;
import dev.tributary.runtime.settings.TributarySettings;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CancellationException;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The parts of a run built from its settings, the same on every node that needs them: the task, a policy with
 * the configured shape (every node builds the same initial weights from the model seed), the optimizer, loss,
 * prompt pool and sampler, the held-out set, the rollout behaviour and reward function by name, and the settings
 * of each role. Constructing them checks every name, so bad input fails before anything runs.
 */
public record JobParts(TributarySettings settings, Task task, Policy policy, Optimizer optimizer, PolicyLoss loss,
                       PromptPool pool, PromptSampler sampler, List<Prompt> heldOut,
                       EmbeddedGuardian.RolloutBehavior rolloutBehavior,
                       Function<RewardFunctions.Context, RewardFunction> rewardFactory) {
    public static JobParts of(TributarySettings s) {
        Task task = Tasks.registry().create(s.task().name(), s.task().config());
        Policy policy = new Policy(Params.initialise(s.model().policy(task.tokenizer().vocabSize())), s.model().trainer());
        var d = s.sampler().difficulty();
        PromptPool pool = new PromptPool(task, d.start(), d.end(), s.sampler().poolSize(), s.run().seed());
        Config difficulty = ConfigFactory.parseMap(Map.of("start", d.start(), "end", d.end(),
                "iterations-per-level", d.iterationsPerLevel()));
        return new JobParts(s, task, policy,
                new Optimizer(policy.params(), Optimizer.Settings.adam(s.trainer().learningRate())),
                PolicyLosses.registry().create(s.trainer().loss(), s.trainer().lossConfig()), pool,
                Samplers.registry().create(s.sampler().name(), difficulty).create(new Samplers.Context(pool, s.run().seed())),
                Evaluator.heldOut(task, s.eval().difficulty(), s.eval().prompts(), s.eval().seed()),
                RolloutBehaviors.ENGINE.equals(s.rollout().behavior()) ? EmbeddedGuardian.engine(s.model().engine())
                        : RolloutBehaviors.registry().create(s.rollout().behavior(), ConfigFactory.empty()),
                RewardFunctions.registry().create(s.reward().function(), s.reward().functionConfig()));
    }

    public MasterSettings masterSettings() {
        return masterSettings(settings.run().checkpointEvery());
    }

    /** The master's settings with checkpoints every {@code checkpointEvery} iterations (0: none). */
    public MasterSettings masterSettings(int checkpointEvery) {
        var r = settings.rollout();
        var sp = settings.sampler();
        return new MasterSettings(settings.run().iterations(), sp.promptsPerIteration(), sp.samplesPerPrompt(),
                r.tokenBudget(), r.maxResponseTokens(), settings.run().seed(), heldOut, settings.eval().every(),
                r.maxResponseTokens(), checkpointEvery, r.batchesPerWorker());
    }

    public Trainer.Settings trainerSettings() {
        var tr = settings.trainer();
        return new Trainer.Settings(tr.stepsPerIteration(), tr.minibatchSize(), tr.resetOptimizer(),
                settings.replay().maxSegmentAge(), trainerWorkingBytes(), settings.run().seed(), tr.microbatchTokens());
    }

    public RolloutSettings rolloutSettings() {
        var r = settings.rollout();
        return new RolloutSettings(r.slots(), new Sampling(r.temperature(), r.topP()), r.repeatNgram(), r.repeatLimit());
    }

    public RewardShaping shaping() {
        return new RewardShaping(settings.reward().lengthPenaltyWeight(),
                settings.reward().lengthPenaltyWarmupIterations(), settings.reward().repeatPenalty());
    }

    /** The device memory budget in bytes (colocated mode). */
    public long deviceBudgetBytes() {
        return (long) settings.device().memoryBudgetMb() << 20;
    }

    /**
     * What one training step holds besides the weights: gradients and Adam's two moments (3× the weights) plus
     * the activations of a minibatch, kept for the backward pass (a generous 16 floats per layer and width).
     */
    long trainerWorkingBytes() {
        PolicyConfig c = policy.config();
        long weights = 4L * policy.params().count();
        long activations = 4L * settings.trainer().minibatchSize() * c.contextLength()
                * (16L * c.layers() * Math.max(c.dModel(), c.ffHidden()) + 3L * c.vocabSize());
        return 3 * weights + activations;
    }

    /** Supervised warm-up on the task's worked solutions, then held-out accuracy, which it returns. */
    public double warmUp(Consumer<String> progress, BooleanSupplier cancelled) {
        var sft = settings.sft();
        if (sft.steps() > 0) {
            progress.accept(String.format(Locale.ROOT, "SFT warm-up: %d steps × %d worked solutions, lr %s, "
                    + "%,d parameters", sft.steps(), sft.batchSize(), sft.learningRate(), policy.params().count()));
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
        double accuracy = evaluate();
        progress.accept(String.format(Locale.ROOT, "held-out accuracy after SFT: %.1f%% (%d prompts, difficulty %d)",
                100 * accuracy, heldOut.size(), settings.eval().difficulty()));
        return accuracy;
    }

    /** Greedy exact match of the policy's current weights on the held-out set. */
    public double evaluate() {
        InferenceEngine engine = new InferenceEngine(policy.params(), Math.min(64, heldOut.size()),
                settings.model().engine());
        try {
            return Evaluator.exactMatch(engine, task, heldOut, settings.rollout().maxResponseTokens()).accuracy();
        } finally {
            engine.release();
        }
    }
}
