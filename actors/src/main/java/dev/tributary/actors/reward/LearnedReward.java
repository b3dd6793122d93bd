package dev.tributary.actors.reward;

import dev.tributary.model.Prompt;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;

/**
 * The {@code learned} reward: a learned reward model's P(correct), mixed with the task's verifier by weight:
 * {@code (1 − w)·P + w·verifier}. It also keeps how often the model agrees with the verifier (P ≥ 0.5 against a
 * full verifier reward), so a run can report the gap that reward hacking widens.
 */
public final class LearnedReward implements RewardFunction {
    /** Where the model's probabilities come from. */
    @FunctionalInterface
    public interface Model {
        double probability(int[] prompt, int[] response);
    }

    private final Model model;
    private final RewardFunction verifier;
    private final double verifierWeight;
    private final LongAdder scored = new LongAdder();
    private final LongAdder agreed = new LongAdder();
    private final DoubleAdder learnedSum = new DoubleAdder();
    private final DoubleAdder verifierSum = new DoubleAdder();

    public LearnedReward(Model model, RewardFunction verifier, double verifierWeight) {
        if (!(verifierWeight >= 0 && verifierWeight <= 1)) {
            throw new IllegalArgumentException("tributary.reward.learned.verifier-weight = " + verifierWeight
                    + ": expected a number in [0, 1]");
        }
        this.model = model;
        this.verifier = verifier;
        this.verifierWeight = verifierWeight;
    }

    @Override
    public String name() {
        return "learned";
    }

    @Override
    public double score(Prompt prompt, int[] response) {
        double p = model.probability(prompt.tokens(), response);
        if (!(p >= 0 && p <= 1)) {
            throw new IllegalStateException("the reward model answered " + p + ", not a probability");
        }
        double v = verifier.score(prompt, response);
        scored.increment();
        learnedSum.add(p);
        verifierSum.add(v);
        if ((p >= 0.5) == (v >= 1.0)) {
            agreed.increment();
        }
        return (1 - verifierWeight) * p + verifierWeight * v;
    }

    /** Responses scored so far, the model's mean P(correct), the verifier's mean reward and their agreement. */
    public record Agreement(long scored, double meanLearned, double meanVerifier, double agreement) {
    }

    public Agreement agreement() {
        long n = scored.sum();
        return n == 0 ? new Agreement(0, Double.NaN, Double.NaN, Double.NaN)
                : new Agreement(n, learnedSum.sum() / n, verifierSum.sum() / n, (double) agreed.sum() / n);
    }
}
