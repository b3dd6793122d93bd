package dev.tributary.actors.sampling;

import dev.tributary.model.Prompt;
import java.util.List;
import java.util.Map;

/**
 * Chooses the prompts of each iteration from a fixed training pool and tracks how often each is solved.
 * Implementations are plain state, owned by the master; not thread-safe.
 */
public interface PromptSampler {
    String name();

    /** {@code n} prompts for iteration {@code iteration} (from 1). */
    List<Prompt> next(int iteration, int n);

    /** Records the rewards of one prompt's finished samples (for prioritised sampling). */
    void record(String promptId, double successes, double attempts);

    /** Per-prompt [successes, attempts], for checkpoints. */
    Map<String, double[]> statistics();

    void restore(Map<String, double[]> statistics);
}
