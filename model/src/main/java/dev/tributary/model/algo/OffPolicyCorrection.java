package dev.tributary.model.algo;

/**
 * Plug-in {@code tributary.algo.correction.name}: how a loss corrects for samples that an older policy generated.
 * Three policies are involved (AReaL's decoupled objective): π_θ, being trained; π_prox, the trainer's weights at
 * the start of the step, whose recomputed log-probs a sample carries as {@link LossSample#refLogProbs()}; and
 * π_behav, the engine's weights when it generated the tokens, recorded as {@link LossSample#behavLogProbs()}.
 * The losses take π_prox as their reference (trust region, KL anchor), and reweigh each term by a function of
 * the importance ratio ρ = π_prox/π_behav, so that expectations over π_behav's samples estimate expectations over
 * π_prox.
 *
 * <p>Per token t of a sample, ρ_t = exp(log π_prox(y_t) − log π_behav(y_t)); per sequence,
 * ρ = Π_t ρ_t over the tokens in the loss (mask > 0). Weights are constants: no gradient flows through them (they
 * depend on π_prox and π_behav only, never on π_θ). {@link #tokenWeights} serves losses made of per-token terms
 * (reinforce, grpo, rest); {@link #sequenceWeight} serves losses whose term is a function of the whole sequence
 * (opmd). Implementations are stateless; apply one to a loss with {@link OffPolicyCorrections#corrected}.
 */
public interface OffPolicyCorrection {
    String name();

    /**
     * w_t ≥ 0 for every token of {@code sample} (length {@code sample.length()}): the factor on token t's term.
     * Tokens outside the loss (mask 0) get 1; an on-policy sample (π_behav = π_prox) gets 1 everywhere.
     */
    double[] tokenWeights(LossSample sample);

    /** The factor ≥ 0 on the sample's whole term, from the sequence ratio ρ; 1 for an on-policy sample. */
    double sequenceWeight(LossSample sample);
}
