package dev.tributary.model.train;

import dev.tributary.model.Prompt;
import dev.tributary.model.engine.Generation;
import dev.tributary.model.engine.GenerationRequest;
import dev.tributary.model.engine.InferenceEngine;
import dev.tributary.model.engine.Sampling;
import dev.tributary.model.task.Task;
import java.util.ArrayList;
import java.util.List;

/** Greedy exact-match accuracy of the engine's current weights on a fixed prompt set. */
public final class Evaluator {
    /** Accuracy and mean response length (tokens) over the prompts. */
    public record Result(double accuracy, double meanLength, int prompts) {
    }

    private Evaluator() {
    }

    public static Result exactMatch(InferenceEngine engine, Task task, List<Prompt> prompts, int maxNewTokens) {
        List<GenerationRequest> reqs = new ArrayList<>(prompts.size());
        for (int i = 0; i < prompts.size(); i++) {
            reqs.add(GenerationRequest.of("eval-" + i, prompts.get(i).tokens(), maxNewTokens, Sampling.GREEDY, i)
                    .withImages(prompts.get(i).images()));
        }
        List<Generation> out = engine.generate(reqs);
        double correct = 0;
        double length = 0;
        for (int i = 0; i < prompts.size(); i++) {
            correct += task.reward(prompts.get(i), out.get(i).tokens()) >= 1.0 ? 1 : 0;
            length += out.get(i).tokens().length;
        }
        return new Result(correct / prompts.size(), length / prompts.size(), prompts.size());
    }

    /** {@code n} distinct held-out prompts of the given difficulty, reproducible from {@code seed}. */
    public static List<Prompt> heldOut(Task task, int difficulty, int n, long seed) {
        var rng = new java.util.SplittableRandom(seed);
        java.util.LinkedHashMap<String, Prompt> distinct = new java.util.LinkedHashMap<>();
        int guard = 0;
        while (distinct.size() < n && guard++ < n * 100) {
            Prompt p = task.sample(difficulty, Task.Split.HELD_OUT, rng);
            distinct.putIfAbsent(p.id(), p);
        }
        return List.copyOf(distinct.values());
    }
}
