package dev.tributary.runtime.settings;

/**
 * {@code tributary.eval}: the held-out set, disjoint from training prompts by the task's split, scored every
 * {@code every} iterations and after the last.
 */
public record EvalSettings(int prompts, int difficulty, long seed, int every) {
    public EvalSettings {
        // 0: no held-out set (a task without an exact-match score, such as programs judged in the sandbox).
        Check.nonNegative("tributary.eval.prompts", prompts);
        Check.positive("tributary.eval.difficulty", difficulty);
        Check.positive("tributary.eval.every", every);
    }

    static EvalSettings read(ConfigReader r) {
        return new EvalSettings(r.getInt("tributary.eval.prompts"), r.getInt("tributary.eval.difficulty"),
                r.getLong("tributary.eval.seed"), r.getInt("tributary.eval.every"));
    }
}
