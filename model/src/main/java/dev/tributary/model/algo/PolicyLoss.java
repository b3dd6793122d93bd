package dev.tributary.model.algo;

/** A policy-optimisation objective as a pure function of log-probs and rewards. Implementations are stateless. */
public interface PolicyLoss {
    String name();

    LossResult evaluate(LossBatch batch);
}
