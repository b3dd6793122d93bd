package dev.tributary.model.engine;

/**
 * The arithmetic of one engine: a KV cache per slot, a prefix pass and a batched decode step. The engine's
 * scheduling (queue, slots, sampling, stop rules) is the same over every backend; only this part differs.
 */
interface DecodeBackend {
    /** Called once at the start of every generate call: a backend that copies the weights takes them now. */
    void begin();

    /**
     * A new request takes slot {@code slot}: its {@code count} patch rows ({@code patches}: [count, patchDim]) go
     * into the cache first, and its text positions follow them. Called for every new request, count 0 included.
     */
    default void startSlot(int slot, float[] patches, int count) {
        if (count > 0) {
            throw new IllegalArgumentException("the " + getClass().getSimpleName() + " engine has no vision front end; "
                    + "expected tributary.model.engine = java for prompts with images");
        }
    }

    /** Writes the keys and values of {@code tokens[0, n)} at positions {@code 0..n-1} into slot {@code slot}'s cache. */
    void prefill(int slot, int[] tokens, int n);

    /**
     * One decode step: slot s feeds {@code tokens[s]} at {@code positions[s]} where {@code busy[s]}; writes the
     * log-softmax of the next-token distribution into {@code out[s]} for every slot with {@code needsLogits[s]}.
     */
    void step(int[] tokens, int[] positions, boolean[] busy, boolean[] needsLogits, double[][] out);

    /** The parameters were changed between two steps: a backend that copies the weights takes them again. */
    void weightsChanged();

    /** Frees the KV cache and scratch memory; the next {@link #begin()} allocates them again. */
    void release();

    boolean holdsMemory();

    long cacheBytes();
}
