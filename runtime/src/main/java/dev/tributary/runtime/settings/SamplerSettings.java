package dev.tributary.runtime.settings;


/**
 * {@code tributary.sampler}: how prompts are chosen each iteration.
 *
 * @param name               {@code uniform}, {@code curriculum}, {@code prioritized}, or a class name
 * @param samplesPerPrompt   k, the group size the baseline is computed over
 * @param poolSize           distinct training prompts drawn per difficulty level, once per run
 * @param difficulty         the difficulty range samplers draw from; curriculum walks it from start to end
 */
public record SamplerSettings(String name, int promptsPerIteration, int samplesPerPrompt, int poolSize,
                              Difficulty difficulty) {
    /** Difficulty levels {@code start..end}; curriculum advances one level every {@code iterationsPerLevel}. */
    public record Difficulty(int start, int end, int iterationsPerLevel) {
        public Difficulty {
            Check.positive("tributary.sampler.difficulty.start", start);
            Check.atLeast("tributary.sampler.difficulty.end", end, start,
                    " (tributary.sampler.difficulty.start)");
            Check.positive("tributary.sampler.difficulty.iterations-per-level", iterationsPerLevel);
        }
    }

    public SamplerSettings {
        Check.name("tributary.sampler.name", name);
        Check.positive("tributary.sampler.prompts-per-iteration", promptsPerIteration);
        // One sample per prompt leaves no group to compute a baseline over.
        Check.atLeast("tributary.sampler.samples-per-prompt", samplesPerPrompt, 2, " (a group needs 2 samples)");
        Check.positive("tributary.sampler.pool-size", poolSize);
        java.util.Objects.requireNonNull(difficulty, "tributary.sampler.difficulty");
    }

    /** Trajectories trained on per iteration: prompts × k. */
    public int batchSize() {
        return Math.multiplyExact(promptsPerIteration, samplesPerPrompt);
    }

    static SamplerSettings read(ConfigReader r) {
        return new SamplerSettings(r.getString("tributary.sampler.name"),
                r.getInt("tributary.sampler.prompts-per-iteration"), r.getInt("tributary.sampler.samples-per-prompt"),
                r.getInt("tributary.sampler.pool-size"),
                new Difficulty(r.getInt("tributary.sampler.difficulty.start"),
                        r.getInt("tributary.sampler.difficulty.end"),
                        r.getInt("tributary.sampler.difficulty.iterations-per-level")));
    }
}
