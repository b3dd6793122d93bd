package dev.tributary.runtime.settings;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.tributary.streams.weights.WeightSyncSettings;
import java.util.Map;
import java.util.Objects;

/**
 * Every {@code tributary.*} setting of a run, read once from Typesafe Config and validated. Each section is a
 * record whose compact constructor checks its values, so a settings object that exists is a valid one; a bad
 * value fails with a {@link SettingsException} naming the key's full path, the value and what was expected.
 *
 * @param plugins the implementation chosen for every plug-in role, with its own settings subtree
 * @param config  the whole resolved config
 */
public record TributarySettings(RunSettings run, TaskSettings task, ModelSettings model, SftSettings sft,
                                SamplerSettings sampler, RolloutSettings rollout, RewardSettings reward,
                                ReplaySettings replay, TrainerSettings trainer, DeviceSettings device,
                                EvalSettings eval, ClusterSettings cluster, PluginChoices plugins,
                                Config config) {
    public TributarySettings {
        Objects.requireNonNull(run, "run settings");
        Objects.requireNonNull(model, "model settings");
        Objects.requireNonNull(task, "task settings");
        Objects.requireNonNull(sft, "sft settings");
        Objects.requireNonNull(sampler, "sampler settings");
        Objects.requireNonNull(rollout, "rollout settings");
        Objects.requireNonNull(reward, "reward settings");
        Objects.requireNonNull(replay, "replay settings");
        Objects.requireNonNull(trainer, "trainer settings");
        Objects.requireNonNull(device, "device settings");
        Objects.requireNonNull(eval, "eval settings");
        Objects.requireNonNull(cluster, "cluster settings");
        Objects.requireNonNull(plugins, "plug-in choices");
        Objects.requireNonNull(config, "config");
        int batch = sampler.batchSize();
        String why = " (prompts-per-iteration × samples-per-prompt = " + batch + ")";
        // A buffer smaller than one training batch could never complete an iteration.
        Check.atLeast("tributary.replay.capacity", replay.capacity(), batch, why);
        Check.atMost("tributary.trainer.minibatch-size", trainer.minibatchSize(), batch, why);
        // Minibatches hold whole prompt groups: the loss's baseline is computed over a prompt's k samples.
        if (trainer.minibatchSize() % sampler.samplesPerPrompt() != 0) {
            throw new SettingsException("tributary.trainer.minibatch-size", trainer.minibatchSize(),
                    "a multiple of tributary.sampler.samples-per-prompt (" + sampler.samplesPerPrompt() + ")");
        }
    }

    /** Reads {@code tributary.*} from {@code config}, falling back to the reference.conf files on the classpath. */
    public static TributarySettings load(Config config) {
        Config full = config.withFallback(ConfigFactory.defaultReference(TributarySettings.class.getClassLoader()))
                .resolve();
        UnknownKeys.check(full);
        // Read where a run broadcasts weights; checked here too, so a wrong key or value is refused in every topology.
        WeightSyncSettings.fromConfig(full);
        ConfigReader r = new ConfigReader(full);
        return new TributarySettings(RunSettings.read(r), TaskSettings.read(r), ModelSettings.read(r), SftSettings.read(r),
                SamplerSettings.read(r), RolloutSettings.read(r), RewardSettings.read(r), ReplaySettings.read(r),
                TrainerSettings.read(r), DeviceSettings.read(r), EvalSettings.read(r), ClusterSettings.read(r), PluginChoices.read(r), full);
    }

    /** Reads the default layering: system properties, application.conf, reference.conf. */
    public static TributarySettings load() {
        return load(ConfigFactory.load());
    }

    /**
     * Layers {@code overrides} (full paths such as {@code tributary.run.seed} to values; strings like "42" or
     * "true" convert to the type a key needs) over {@code base}.
     */
    public static Config withOverrides(Config base, Map<String, ?> overrides) {
        return ConfigFactory.parseMap(overrides, "command-line overrides").withFallback(base);
    }

    /** A few lines for people: the settings that shape a run. */
    public String summary() {
        return String.join(System.lineSeparator(),
                "run      seed " + run.seed() + ", " + run.iterations() + " iterations, out " + run.outDir()
                        + ", checkpoint every " + run.checkpointEvery() + (run.resume() ? ", resume" : ""),
"model    " + model.layers() + " layers, d-model " + model.dModel() + ", " + model.heads() + " heads, context "
                        + model.contextLength(),
                "task     " + task.name() + "; SFT warm-up " + sft.steps() + " steps × " + sft.batchSize()
                        + " at lr " + sft.learningRate(),
                "sampler  " + sampler.name() + ", " + sampler.promptsPerIteration() + " prompts × "
                        + sampler.samplesPerPrompt() + " samples, difficulty " + sampler.difficulty().start() + ".."
                        + sampler.difficulty().end(),
                "rollout  " + rollout.behavior() + ", " + rollout.workers() + " workers × " + rollout.slots()
                        + " slots, token budget " + rollout.tokenBudget() + " of " + rollout.maxResponseTokens(),
                "reward   " + reward.function() + ", length penalty " + reward.lengthPenaltyWeight() + " after "
                        + reward.lengthPenaltyWarmupIterations() + " iterations, repeat penalty " + reward.repeatPenalty(),
                "trainer  " + trainer.loss() + ", lr " + trainer.learningRate() + ", " + trainer.stepsPerIteration()
                        + " steps of " + trainer.minibatchSize() + (trainer.resetOptimizer() ? ", optimizer reset" : ""),
                "replay   capacity " + replay.capacity() + ", max segment age " + replay.maxSegmentAge()
                        + "; device " + device.mode() + " " + device.memoryBudgetMb() + " MB; eval " + eval.prompts()
                        + " prompts at difficulty " + eval.difficulty());
    }
}
