package dev.tributary.model.policy;

/** Constants shared by the training graph and the inference engine, so both compute the same function. */
public final class Attention {
    /** Added to the scores of masked positions; exp underflows to exactly 0 in float. */
    public static final double MASKED = -1e9;
    /** Layer-norm normalises over the feature axis of the 2-D residual stream. */
    public static final int FEATURE_AXIS = 1;

    private Attention() {
    }
}
