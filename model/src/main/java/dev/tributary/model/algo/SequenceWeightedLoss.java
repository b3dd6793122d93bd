package dev.tributary.model.algo;

/**
 * A loss whose term per sample is a function of the whole sequence (OPMD's squared error of the summed log-ratio),
 * so an off-policy correction can only weigh whole samples: a per-token factor has no term to multiply.
 */
interface SequenceWeightedLoss extends PolicyLoss {
    /**
     * The loss with sample i's term multiplied by the constant {@code sampleWeights[i]} ≥ 0; all weights 1 give
     * {@link #evaluate(LossBatch)} bit for bit.
     */
    LossResult evaluate(LossBatch batch, double[] sampleWeights);
}
