package dev.tributary.runtime.settings;


/**
 * {@code tributary.rollout}: the rollout workers and how they sample.
 *
 * @param behavior          the rollout worker behavior's registered name (built in: {@code engine})
 * @param workers           rollout worker actors
 * @param slots             concurrent sequences per worker's engine (continuous batching width)
 * @param tokenBudget       tokens one job may generate before the trajectory is cut and resumed later
 * @param maxResponseTokens total response length over all segments of a trajectory
 * @param repeatNgram       n of the n-gram the repetition detector watches
 * @param repeatLimit       occurrences of that n-gram (itself included) that stop generation
 * @param batchesPerWorker  batches each iteration's jobs are cut into, per live worker, for work pulling
 */
public record RolloutSettings(String behavior, int workers, int slots, int tokenBudget, int maxResponseTokens,
                              double temperature, double topP, int repeatNgram, int repeatLimit,
                              int batchesPerWorker) {
    public RolloutSettings {
        Check.name("tributary.rollout.behavior", behavior);
        Check.positive("tributary.rollout.workers", workers);
        Check.positive("tributary.rollout.slots", slots);
        Check.positive("tributary.rollout.token-budget", tokenBudget);
        Check.positive("tributary.rollout.max-response-tokens", maxResponseTokens);
        Check.positive("tributary.rollout.temperature", temperature);
        Check.unitInterval("tributary.rollout.top-p", topP);
        Check.positive("tributary.rollout.repeat-ngram", repeatNgram);
        // A limit of 1 would stop at the first occurrence of every n-gram.
        Check.atLeast("tributary.rollout.repeat-limit", repeatLimit, 2, "");
        Check.positive("tributary.rollout.batches-per-worker", batchesPerWorker);
    }

    static RolloutSettings read(ConfigReader r) {
        return new RolloutSettings(r.getString("tributary.rollout.behavior"),
                r.getInt("tributary.rollout.workers"),
                r.getInt("tributary.rollout.slots"), r.getInt("tributary.rollout.token-budget"),
                r.getInt("tributary.rollout.max-response-tokens"), r.getDouble("tributary.rollout.temperature"),
                r.getDouble("tributary.rollout.top-p"), r.getInt("tributary.rollout.repeat-ngram"),
                r.getInt("tributary.rollout.repeat-limit"), r.getInt("tributary.rollout.batches-per-worker"));
    }
}
