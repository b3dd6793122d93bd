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
    private final Object windowLock = new Object();
    private int window;
    private java.util.function.Consumer<String> report = line -> { };
    private long windowScored;
    private long windowAgreed;
    private double windowLearned;
    private double windowVerifier;

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
        boolean agrees = (p >= 0.5) == (v >= 1.0);
        if (agrees) {
            agreed.increment();
        }
        window(p, v, agrees);
        return (1 - verifierWeight) * p + verifierWeight * v;
    }

    /**
     * Reports, every {@code responses} scored, the model's mean P(correct), the verifier's mean reward and their
     * agreement over those responses (one line each; a growing gap is the sign of reward hacking).
     */
    public void reportEvery(int responses, java.util.function.Consumer<String> to) {
        synchronized (windowLock) {
            this.window = responses;
            this.report = to;
        }
    }

    private void window(double p, double v, boolean agrees) {
        String line = null;
        synchronized (windowLock) {
            if (window <= 0) {
                return;
            }
            windowScored++;
            windowAgreed += agrees ? 1 : 0;
            windowLearned += p;
            windowVerifier += v;
            if (windowScored == window) {
                line = String.format(java.util.Locale.ROOT, "learned reward, last %d responses: model P(correct) "
                        + "%.3f, verifier %.3f, gap %+.3f, agreement %.1f%%", window, windowLearned / window,
                        windowVerifier / window, (windowLearned - windowVerifier) / window,
                        100.0 * windowAgreed / window);
                windowScored = 0;
                windowAgreed = 0;
                windowLearned = 0;
                windowVerifier = 0;
            }
        }
        if (line != null) {
            report.accept(line);
        }
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
