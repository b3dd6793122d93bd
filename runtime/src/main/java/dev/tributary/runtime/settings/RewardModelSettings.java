package dev.tributary.runtime.settings;

import java.time.Duration;

/**
 * {@code tributary.reward-model}: the learned reward model's shape, how {@code tributary reward-model train}
 * gathers its data and trains it, and how the {@code reward-model} role batches requests. Read from a run's
 * settings with {@link #of}; every value is checked, naming its key.
 *
 * @param embedding        width of the token embedding
 * @param hidden           width of the convolution, the LSTM and the dense layer
 * @param kernel           tokens the convolution reads at once
 * @param contextLength    tokens of prompt + response the model reads
 * @param steps            training steps
 * @param batchSize        labelled responses per training step
 * @param learningRate     Adam's learning rate
 * @param prompts          training-split prompts responses are sampled for
 * @param samplesPerPrompt responses sampled per prompt
 * @param heldOutPrompts   held-out prompts whose responses measure the model (never trained on)
 * @param temperature      sampling temperature of the responses
 * @param maxBatch         the role's largest batch
 * @param maxWait          how long the role lets a request wait for others
 * @param timeout          how long a reward function waits for the role's answer (and for the role to appear)
 */
public record RewardModelSettings(int embedding, int hidden, int kernel, int contextLength, int steps, int batchSize,
                                  double learningRate, int prompts, int samplesPerPrompt, int heldOutPrompts,
                                  double temperature, int maxBatch, Duration maxWait, Duration timeout) {
    private static final String P = "tributary.reward-model.";

    public RewardModelSettings {
        Check.positive(P + "embedding", embedding);
        Check.positive(P + "hidden", hidden);
        Check.positive(P + "kernel", kernel);
        Check.atLeast(P + "context-length", contextLength, kernel, " (at least the kernel, " + kernel + ")");
        Check.positive(P + "steps", steps);
        Check.positive(P + "batch-size", batchSize);
        Check.positive(P + "learning-rate", learningRate);
        Check.positive(P + "prompts", prompts);
        Check.positive(P + "samples-per-prompt", samplesPerPrompt);
        Check.positive(P + "held-out-prompts", heldOutPrompts);
        Check.positive(P + "temperature", temperature);
        Check.positive(P + "serve.max-batch", maxBatch);
        if (maxWait.isNegative()) {
            throw new SettingsException(P + "serve.max-wait", maxWait, "a duration >= 0");
        }
        if (timeout.isNegative() || timeout.isZero()) {
            throw new SettingsException(P + "serve.timeout", timeout, "a duration > 0");
        }
    }

    /** The reward-model settings of a run's resolved settings. */
    public static RewardModelSettings of(TributarySettings settings) {
        ConfigReader r = new ConfigReader(settings.config());
        return new RewardModelSettings(r.getInt(P + "embedding"), r.getInt(P + "hidden"), r.getInt(P + "kernel"),
                r.getInt(P + "context-length"), r.getInt(P + "steps"), r.getInt(P + "batch-size"),
                r.getDouble(P + "learning-rate"), r.getInt(P + "prompts"), r.getInt(P + "samples-per-prompt"),
                r.getInt(P + "held-out-prompts"), r.getDouble(P + "temperature"), r.getInt(P + "serve.max-batch"),
                r.getDuration(P + "serve.max-wait"), r.getDuration(P + "serve.timeout"));
    }

    /** The saved model a {@code learned} reward function scores with ({@code tributary.reward.learned.path}). */
    public static java.nio.file.Path learnedPath(TributarySettings settings) {
        String key = "tributary.reward.learned.path";
        String v = new ConfigReader(settings.config()).getString(key);
        if (v.isBlank()) {
            throw new SettingsException(key, "\"\"", "the path of a saved reward model (tributary reward-model "
                    + "train writes one) when the reward function is learned or a reward-model role runs");
        }
        try {
            return java.nio.file.Path.of(v);
        } catch (java.nio.file.InvalidPathException e) {
            throw new SettingsException(key, "\"" + v + "\"", "a valid file path (" + e.getReason() + ")", e);
        }
    }
}
