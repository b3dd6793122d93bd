package dev.tributary.actors.sampling;

import dev.tributary.model.Prompt;
import dev.tributary.model.task.Task;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/** A fixed set of distinct training prompts per difficulty, drawn once from a task with a seed. */
public final class PromptPool {
    private final Map<Integer, List<Prompt>> byDifficulty = new LinkedHashMap<>();

    /** Prompts at every difficulty the task has. */
    public PromptPool(Task task, int perDifficulty, long seed) {
        this(task, task.minDifficulty(), task.maxDifficulty(), perDifficulty, seed);
    }

    /** Prompts at difficulties {@code from..to}, which must lie within the task's range. */
    public PromptPool(Task task, int from, int to, int perDifficulty, long seed) {
        if (from > to || from < task.minDifficulty() || to > task.maxDifficulty()) {
            throw new IllegalArgumentException("difficulties " + from + ".." + to + " must be an increasing range "
                    + "within task " + task.name() + "'s " + task.minDifficulty() + ".." + task.maxDifficulty());
        }
        if (perDifficulty < 1) {
            throw new IllegalArgumentException("prompts per difficulty " + perDifficulty + " must be >= 1");
        }
        SplittableRandom rng = new SplittableRandom(seed);
        for (int d = from; d <= to; d++) {
            Map<String, Prompt> distinct = new LinkedHashMap<>();
            for (int guard = 0; distinct.size() < perDifficulty && guard < perDifficulty * 20; guard++) {
                Prompt p = task.sample(d, Task.Split.TRAIN, rng);
                distinct.putIfAbsent(p.id(), p);
            }
            byDifficulty.put(d, List.copyOf(distinct.values()));
        }
    }

    public List<Prompt> at(int difficulty) {
        List<Prompt> l = byDifficulty.get(difficulty);
        if (l == null) {
            throw new IllegalArgumentException("difficulty " + difficulty + " is not in the pool; it has "
                    + byDifficulty.keySet());
        }
        return l;
    }

    public List<Prompt> all() {
        List<Prompt> out = new ArrayList<>();
        byDifficulty.values().forEach(out::addAll);
        return out;
    }

    public int minDifficulty() {
        return byDifficulty.keySet().stream().mapToInt(Integer::intValue).min().orElseThrow();
    }

    public int maxDifficulty() {
        return byDifficulty.keySet().stream().mapToInt(Integer::intValue).max().orElseThrow();
    }
}
