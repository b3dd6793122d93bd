package dev.tributary.runtime.settings;

/** {@code tributary.eval}: the held-out set, disjoint from training prompts by the task's split. */
public record EvalSettings(int prompts, int difficulty, long seed) {
    public EvalSettings {
        Check.positive("tributary.eval.prompts", prompts);
        Check.positive("tributary.eval.difficulty", difficulty);
    }

    static EvalSettings read(ConfigReader r) {
        return new EvalSettings(r.getInt("tributary.eval.prompts"), r.getInt("tributary.eval.difficulty"),
                r.getLong("tributary.eval.seed"));
    }
}
