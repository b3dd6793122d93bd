package dev.tributary.model;

/** Why generation of a segment stopped. Only {@link #TOKEN_BUDGET} leaves the trajectory unfinished. */
public enum FinishReason {
    /** The policy emitted end-of-sequence. */
    EOS,
    /** The job's token budget ran out: the trajectory is continued in a later iteration (partial rollout). */
    TOKEN_BUDGET,
    /** A repeated n-gram was detected and generation was stopped early. */
    REPEAT,
    /** The model's context window is full. */
    MAX_CONTEXT,
    /** The response reached the run's maximum response length (over all its segments). */
    MAX_LENGTH;

    /** True when the trajectory needs no further generation. */
    public boolean terminal() {
        return this != TOKEN_BUDGET;
    }
}
