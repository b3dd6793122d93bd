package dev.tributary.runtime.internal;

import dev.tributary.model.Prompt;
import dev.tributary.model.engine.InferenceEngine;
import dev.tributary.model.engine.Sampling;
import dev.tributary.model.reward.RewardModel;
import dev.tributary.model.reward.RewardModelFile;
import dev.tributary.model.reward.RewardModelShape;
import dev.tributary.model.reward.RewardModelTraining;
import dev.tributary.model.reward.RewardModelTraining.Evaluation;
import dev.tributary.model.reward.RewardModelTraining.Labelled;
import dev.tributary.model.train.Evaluator;
import dev.tributary.runtime.Plugins;
import dev.tributary.runtime.settings.RewardModelSettings;
import dev.tributary.runtime.settings.TributarySettings;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * {@code tributary reward-model train}: warms the policy up exactly as a run with the same settings does, samples
 * responses from it on the task's training split and on held-out prompts, labels each with the task's verifier,
 * trains the learned reward model on the training responses, measures it against the verifier on both, and saves
 * it with a header naming the task, the tokenizer and its shape.
 */
public final class RewardModelJob {
    /** What training gave: the model's figures on the responses it learned from and on unseen prompts' ones. */
    public record Result(RewardModel model, Evaluation training, Evaluation heldOut, double sftAccuracy, Path saved,
                         double seconds) {
    }

    private RewardModelJob() {
    }

    /** Runs the job; throws {@link IllegalArgumentException} (one line) for bad settings. */
    public static Result train(TributarySettings settings, Path out, Consumer<String> progress) {
        long start = System.nanoTime();
        RewardModelSettings rm = RewardModelSettings.of(settings);
        RunParts parts = new RunParts(settings, Plugins.builtIn(), Topology.of(settings, RoleKeys.ALL), () -> {
            throw new IllegalStateException("training a reward model needs no sandbox");
        });
        var task = parts.task();
        double sft = parts.warmUp(progress, () -> false);
        long seed = settings.run().seed();
        SplittableRandom rng = new SplittableRandom(seed ^ 0x5DEECE66DL);
        List<Prompt> pool = parts.pool().all();
        List<Prompt> trainPrompts = new ArrayList<>(rm.prompts());
        for (int i = 0; i < rm.prompts(); i++) {
            trainPrompts.add(pool.get(rng.nextInt(pool.size())));
        }
        List<Prompt> heldOutPrompts = Evaluator.heldOut(task, settings.eval().difficulty(), rm.heldOutPrompts(),
                settings.eval().seed());
        InferenceEngine engine = new InferenceEngine(parts.policy().params(), 64, settings.model().engine());
        List<Labelled> training;
        List<Labelled> heldOut;
        try {
            Sampling sampling = new Sampling(rm.temperature(), 1.0);
            int maxTokens = settings.rollout().maxResponseTokens();
            training = RewardModelTraining.sample(engine, task, trainPrompts, rm.samplesPerPrompt(), maxTokens,
                    sampling, rng.nextLong());
            heldOut = RewardModelTraining.sample(engine, task, heldOutPrompts, rm.samplesPerPrompt(), maxTokens,
                    sampling, rng.nextLong());
        } finally {
            engine.release();
        }
        progress.accept(String.format(Locale.ROOT, "sampled %,d training and %,d held-out responses from the SFT "
                + "policy (%d per prompt), labelled by the %s verifier", training.size(), heldOut.size(),
                rm.samplesPerPrompt(), task.name()));
        RewardModelShape shape = new RewardModelShape(task.tokenizer().vocabSize(), rm.contextLength(), rm.embedding(),
                rm.hidden(), rm.kernel());
        RewardModel model = RewardModel.create(shape, task.name(), task.tokenizer(), rm.learningRate(), seed);
        progress.accept(String.format(Locale.ROOT, "reward model: %,d parameters (embedding %d, hidden %d, kernel %d, "
                + "context %d), %d steps × %d at lr %s", model.parameters(), rm.embedding(), rm.hidden(), rm.kernel(),
                rm.contextLength(), rm.steps(), rm.batchSize(), rm.learningRate()));
        RewardModelTraining.train(model, training, rm.steps(), rm.batchSize(), seed, progress);
        Evaluation onTraining = RewardModelTraining.evaluate(model, training);
        Evaluation onHeldOut = RewardModelTraining.evaluate(model, heldOut);
        Map<String, String> facts = new LinkedHashMap<>();
        facts.put("seed", Long.toString(seed));
        facts.put("steps", Integer.toString(rm.steps()));
        facts.put("held-out-accuracy", String.format(Locale.ROOT, "%.4f", onHeldOut.accuracy()));
        facts.put("held-out-auc", String.format(Locale.ROOT, "%.4f", onHeldOut.auc()));
        facts.put("held-out-share-correct", String.format(Locale.ROOT, "%.4f", onHeldOut.shareCorrect()));
        RewardModelFile.save(model, out, facts);
        return new Result(model, onTraining, onHeldOut, sft, out, (System.nanoTime() - start) / 1e9);
    }

    /** The closing table: the model against the verifier, beside the share of correct responses. */
    public static String table(Result r) {
        StringBuilder b = new StringBuilder();
        String row = "| %s | %,d | %.1f%% | %.1f%% | %.1f%% | %s |%n";
        b.append("| responses | count | share correct | majority-class accuracy | model accuracy | AUC |")
                .append(System.lineSeparator());
        b.append("|---|---|---|---|---|---|").append(System.lineSeparator());
        for (var e : List.of(Map.entry("training (learned from)", r.training()),
                Map.entry("held-out prompts (unseen)", r.heldOut()))) {
            Evaluation v = e.getValue();
            b.append(String.format(Locale.ROOT, row, e.getKey(), v.samples(), 100 * v.shareCorrect(),
                    100 * v.majorityAccuracy(), 100 * v.accuracy(),
                    Double.isNaN(v.auc()) ? "-" : String.format(Locale.ROOT, "%.3f", v.auc())));
        }
        return b.toString();
    }
}
