package dev.tributary.testkit;

import dev.tributary.actors.reward.RewardFunction;
import dev.tributary.model.Prompt;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * The synthetic reward function: each score blocks its (blocking-dispatcher) thread for a latency drawn from the
 * profile, fails with the profile's rate (the reward role then records 0 and logs a warning) and otherwise passes
 * with the pass rate. Every draw is fixed by the seed, the prompt and the response.
 */
final class SyntheticReward implements RewardFunction {
    private final LoadProfile.Reward load;
    private final long seed;
    private final Ledger ledger;

    SyntheticReward(LoadProfile.Reward load, long seed, Ledger ledger) {
        this.load = load;
        this.seed = seed;
        this.ledger = ledger;
    }

    @Override
    public String name() {
        return "testkit-synthetic";
    }

    @Override
    public double score(Prompt prompt, int[] response) {
        long cpu = Seeds.threadCpu();
        SplittableRandom r = Seeds.random(seed, prompt.id().hashCode(), Arrays.hashCode(response), response.length);
        double latencyMs = load.latencyMs().sample(r);
        boolean fails = r.nextDouble() < load.failureRate();
        double reward = r.nextDouble() < load.passRate() ? 1.0 : 0.0;
        ledger.syntheticCpu(Seeds.threadCpu() - cpu);
        Seeds.sleep((long) (latencyMs * 1e6));
        if (fails) {
            ledger.rewardFailed();
            throw new IllegalStateException("synthetic reward failure (rate " + load.failureRate() + ")");
        }
        return reward;
    }
}
