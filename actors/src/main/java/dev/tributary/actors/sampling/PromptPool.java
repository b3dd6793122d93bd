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

    public PromptPool(Task task, int perDifficulty, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        for (int d = task.minDifficulty(); d <= task.maxDifficulty(); d++) {
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
