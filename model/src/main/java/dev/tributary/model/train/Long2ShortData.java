package dev.tributary.model.train;

import dev.tributary.model.Prompt;
import dev.tributary.model.algo.LossBatch;
import dev.tributary.model.algo.Long2Short;
import dev.tributary.model.engine.Generation;
import dev.tributary.model.engine.GenerationRequest;
import dev.tributary.model.engine.InferenceEngine;
import dev.tributary.model.engine.Sampling;
import dev.tributary.model.task.Task;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The data of the long2short methods that learn from samples (Kimi k1.5 §2.4): n responses per prompt from the long
 * policy, each checked by the verifier; shortest rejection sampling keeps each prompt's shortest correct response,
 * DPO pairs it against the wrong responses and the correct ones at least {@code longRatio} times longer.
 */
public final class Long2ShortData {
    private Long2ShortData() {
    }

    /** The responses to one prompt and the verifier's verdict on each. */
    public record Sampled(Prompt prompt, List<int[]> responses, boolean[] correct) {
        public Sampled {
            responses = List.copyOf(responses);
            if (responses.size() != correct.length) {
                throw new IllegalArgumentException(responses.size() + " responses but " + correct.length
                        + " verdicts; expected one per response");
            }
        }

        int[] lengths() {
            return responses.stream().mapToInt(r -> r.length).toArray();
        }
    }

    /** A prompt and the response to train on. */
    public record Example(Prompt prompt, int[] response) {
    }

    /** A prompt's responses and the pairs DPO prefers among them (indices into the responses). */
    public record Preferences(Sampled sampled, List<LossBatch.Pair> pairs) {
    }

    /** {@code n} responses per prompt at temperature 1 (at most {@code maxTokens} each), reproducible from the seed. */
    public static List<Sampled> sample(InferenceEngine engine, Task task, List<Prompt> prompts, int n, int maxTokens,
                                       long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        List<GenerationRequest> requests = new ArrayList<>();
        for (int i = 0; i < prompts.size(); i++) {
            for (int j = 0; j < n; j++) {
                requests.add(GenerationRequest.of("l2s-" + i + "-" + j, prompts.get(i).tokens(), maxTokens,
                        Sampling.of(1.0), rng.nextLong()));
            }
        }
        List<Generation> out = engine.generate(requests);
        List<Sampled> sampled = new ArrayList<>(prompts.size());
        for (int i = 0; i < prompts.size(); i++) {
            List<int[]> responses = new ArrayList<>(n);
            boolean[] correct = new boolean[n];
            for (int j = 0; j < n; j++) {
                int[] r = out.get(i * n + j).tokens();
                responses.add(r);
                correct[j] = task.reward(prompts.get(i), r) >= 1.0;
            }
            sampled.add(new Sampled(prompts.get(i), responses, correct));
        }
        return sampled;
    }

    /** Shortest rejection sampling: each prompt's shortest correct response; prompts with none are left out. */
    public static List<Example> shortestCorrect(List<Sampled> sampled) {
        List<Example> out = new ArrayList<>();
        for (Sampled s : sampled) {
            int best = Long2Short.shortestCorrect(s.lengths(), s.correct());
            if (best >= 0) {
                out.add(new Example(s.prompt(), s.responses().get(best)));
            }
        }
        return out;
    }

    /**
     * DPO's preferences: per prompt, the shortest correct response over every wrong one and every correct one at
     * least {@code longRatio} times longer; prompts without a correct response or without a negative are left out.
     */
    public static List<Preferences> preferences(List<Sampled> sampled, double longRatio) {
        List<Preferences> out = new ArrayList<>();
        for (Sampled s : sampled) {
            List<LossBatch.Pair> pairs = Long2Short.dpoPairs(s.lengths(), s.correct(), longRatio);
            if (!pairs.isEmpty()) {
                out.add(new Preferences(s, pairs));
            }
        }
        return out;
    }
}
