package dev.tributary.runtime.settings;

/**
 * {@code tributary.long2short}: how {@code tributary long2short} runs the four methods of Kimi k1.5 §2.4 on a long
 * policy. Read from a run's settings with {@link #of}; every value is checked, naming its key.
 *
 * @param samples          responses sampled per prompt for rejection sampling and DPO (the paper's n = 8)
 * @param prompts          training prompts those responses are sampled for
 * @param mergeWeights     weights of the long policy in the merges with the short one
 * @param sftSteps         SFT steps on the shortest correct responses
 * @param sftLearningRate  their Adam learning rate
 * @param dpoSteps         DPO steps
 * @param dpoLearningRate  their Adam learning rate
 * @param dpoBeta          DPO's inverse temperature
 * @param longRatio        a correct response this many times the shortest correct one's length is a DPO negative
 * @param batchPrompts     prompts per SFT or DPO step
 * @param rlIterations     iterations of long2short RL
 * @param rlMaxTokens      its maximum rollout length
 * @param rlLengthPenalty  its length penalty weight
 */
public record Long2ShortSettings(int samples, int prompts, java.util.List<Double> mergeWeights, int sftSteps,
                                 double sftLearningRate, int dpoSteps, double dpoLearningRate, double dpoBeta,
                                 double longRatio, int batchPrompts, int rlIterations, int rlMaxTokens,
                                 double rlLengthPenalty) {
    private static final String P = "tributary.long2short.";

    public Long2ShortSettings {
        Check.atLeast(P + "samples", samples, 2, " (a shortest answer needs several)");
        Check.positive(P + "prompts", prompts);
        mergeWeights = java.util.List.copyOf(mergeWeights);
        for (double w : mergeWeights) {
            if (!(w > 0 && w < 1)) {
                throw new SettingsException(P + "merge-weights", mergeWeights, "weights in (0, 1)");
            }
        }
        Check.positive(P + "sft-steps", sftSteps);
        Check.positive(P + "sft-learning-rate", sftLearningRate);
        Check.positive(P + "dpo-steps", dpoSteps);
        Check.positive(P + "dpo-learning-rate", dpoLearningRate);
        Check.positive(P + "dpo-beta", dpoBeta);
        if (!(longRatio >= 1) || Double.isInfinite(longRatio)) {
            throw new SettingsException(P + "long-ratio", longRatio, "a finite number >= 1");
        }
        Check.positive(P + "batch-prompts", batchPrompts);
        Check.positive(P + "rl-iterations", rlIterations);
        Check.positive(P + "rl-max-tokens", rlMaxTokens);
        Check.nonNegative(P + "rl-length-penalty", rlLengthPenalty);
    }

    public static Long2ShortSettings of(TributarySettings settings) {
        ConfigReader r = new ConfigReader(settings.config());
        java.util.List<Double> weights = new java.util.ArrayList<>();
        var value = settings.config().getValue(P + "merge-weights");
        try {
            if (value.valueType() == com.typesafe.config.ConfigValueType.STRING) {
                // From the command line (--set ...=[0.25,0.5] or 0.25,0.5) a list arrives as a string.
                for (String w : value.unwrapped().toString().replaceAll("[\\[\\]\\s]", "").split(",")) {
                    weights.add(Double.parseDouble(w));
                }
            } else {
                weights.addAll(settings.config().getDoubleList(P + "merge-weights"));
            }
        } catch (com.typesafe.config.ConfigException | NumberFormatException e) {
            throw new SettingsException(P + "merge-weights", value.render(com.typesafe.config.ConfigRenderOptions
                    .concise()), "a list of numbers in (0, 1), e.g. [0.25, 0.5]", e);
        }
        return new Long2ShortSettings(r.getInt(P + "samples"), r.getInt(P + "prompts"), weights,
                r.getInt(P + "sft-steps"), r.getDouble(P + "sft-learning-rate"), r.getInt(P + "dpo-steps"),
                r.getDouble(P + "dpo-learning-rate"), r.getDouble(P + "dpo-beta"), r.getDouble(P + "long-ratio"),
                r.getInt(P + "batch-prompts"), r.getInt(P + "rl-iterations"), r.getInt(P + "rl-max-tokens"),
                r.getDouble(P + "rl-length-penalty"));
    }
}
