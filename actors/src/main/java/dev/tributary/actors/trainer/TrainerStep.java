package dev.tributary.actors.trainer;

import dev.tributary.model.PolicyVersion;
import dev.tributary.model.TrajectoryBatch;
import dev.tributary.model.algo.PolicyLoss;
import dev.tributary.model.policy.Optimizer;
import dev.tributary.model.policy.Policy;
import dev.tributary.model.registry.Registry;

/**
 * Plug-in {@code tributary.trainer.step}: what the trainer does with one iteration's batch. It runs on the
 * trainer's thread while the trainer holds the device, updates the policy's parameters in place through the
 * optimizer, and returns; the trainer then moves to the next version and publishes the weights. Built in:
 * {@code minibatch} (optimizer reset, shuffled whole-group minibatches, length-sorted micro-batches with summed
 * gradients, the configured loss).
 */
public interface TrainerStep {
    /** The setting that names the step. */
    String KEY = "tributary.trainer.step";

    /** Trains on {@code batch}, whose samples were generated at {@code version} (the policy's version now). */
    Outcome train(TrajectoryBatch batch, PolicyVersion version);

    /** The loss of the last optimizer step (NaN if none ran) and how many steps ran. */
    record Outcome(double loss, int steps) {
    }

    /**
     * What a step factory receives besides its settings.
     *
     * @param proximal true when the loss corrects for off-policy samples: it then needs the trainer's log-probs at
     *                 the start of the step (π_prox) as its reference, and the engine's as the behaviour policy's
     */
    record Context(Policy policy, Optimizer optimizer, PolicyLoss loss, Trainer.Settings settings, boolean proximal) {
        /** An on-policy loss: its reference is the engine's recorded log-probs. */
        public Context(Policy policy, Optimizer optimizer, PolicyLoss loss, Trainer.Settings settings) {
            this(policy, optimizer, loss, settings, false);
        }
    }

    static Registry<Context, TrainerStep> registry() {
        return new Registry<>(KEY, TrainerStep.class, Context.class)
                .register("minibatch", (c, ctx) -> new MinibatchStep(ctx));
    }
}
