package dev.tributary.runtime.settings;


/**
 * {@code tributary.trainer}: the policy update of each iteration.
 *
 * @param loss            registered loss name ({@code opmd}, {@code reinforce}, ...) or a class name
 * @param resetOptimizer  forget Adam's moments at the start of each iteration, as the paper does
 * @param microbatchTokens padded token positions per forward/backward pass (length-sorted micro-batches whose
 *                        gradients are summed); 0 runs each minibatch in one pass
 */
public record TrainerSettings(String loss, double learningRate, int stepsPerIteration, boolean resetOptimizer,
                              int minibatchSize, int microbatchTokens) {
    public TrainerSettings {
        Check.name("tributary.trainer.loss", loss);
        Check.positive("tributary.trainer.learning-rate", learningRate);
        Check.positive("tributary.trainer.steps-per-iteration", stepsPerIteration);
        Check.positive("tributary.trainer.minibatch-size", minibatchSize);
        Check.nonNegative("tributary.trainer.microbatch-tokens", microbatchTokens);
    }

    static TrainerSettings read(ConfigReader r) {
        return new TrainerSettings(r.getString("tributary.trainer.loss"), r.getDouble("tributary.trainer.learning-rate"),
                r.getInt("tributary.trainer.steps-per-iteration"), r.getBoolean("tributary.trainer.reset-optimizer"),
                r.getInt("tributary.trainer.minibatch-size"), r.getInt("tributary.trainer.microbatch-tokens"));
    }
}
