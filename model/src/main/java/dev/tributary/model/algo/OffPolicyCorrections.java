package dev.tributary.model.algo;

import dev.tributary.model.registry.Registry;

/**
 * The built-in off-policy corrections by name ({@value #KEY} = none | tis | mis), each reading its settings from
 * {@code tributary.algo.correction.<name>} in reference.conf, and the one way to apply one to any loss.
 *
 * <p>How a trainer uses them: at the start of a step, recompute the batch's response log-probs under the current
 * weights (π_prox, no gradient) and pass them as each {@link LossSample}'s {@code refLogProbs}; pass the engine's
 * recorded log-probs (π_behav) as {@code behavLogProbs}; evaluate {@code corrected(loss, correction)} at π_θ for
 * every minibatch of the step. Samples without behaviour log-probs are treated as on-policy.
 */
public final class OffPolicyCorrections {
    /** The setting that names the correction (a {@code .name} key, since its settings live beside it). */
    public static final String KEY = "tributary.algo.correction.name";
    /** A correction named n reads its settings from this prefix followed by n. */
    public static final String SETTINGS_PREFIX = "tributary.algo.correction.";

    private OffPolicyCorrections() {
    }

    /** Factories receive the loss's context (they need none of it today) and their own settings subtree. */
    public static Registry<PolicyLosses.Context, OffPolicyCorrection> registry() {
        return new Registry<>(KEY, OffPolicyCorrection.class, PolicyLosses.Context.class)
                .register("none", (c, ctx) -> NoCorrection.INSTANCE)
                .register("tis", (c, ctx) -> TruncatedIs.fromSettings(c))
                .register("mis", (c, ctx) -> MaskedIs.fromSettings(c));
    }

    /** Weight 1 everywhere: the default, and what the synchronous driver needs. */
    public static OffPolicyCorrection none() {
        return NoCorrection.INSTANCE;
    }

    /**
     * {@code loss} with {@code correction} applied to its terms (per token or per sequence, by the loss's shape;
     * see {@link CorrectedLoss}). Stats gain {@code correction_weight_mean} and {@code correction_zeroed_fraction}.
     */
    public static PolicyLoss corrected(PolicyLoss loss, OffPolicyCorrection correction) {
        return new CorrectedLoss(loss, correction);
    }
}
