package dev.tributary.benchmarks.streaming;

import dev.tributary.model.FinishReason;
import dev.tributary.model.Prompt;
import dev.tributary.model.Segment;
import dev.tributary.model.Trajectory;
import dev.tributary.model.TrajectoryIds;
import dev.tributary.model.task.ArithmeticTask;
import dev.tributary.model.task.Task;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * The benchmark's trajectories: arithmetic prompts (up to 4 digits) answered by their worked solution in one EOS
 * segment, k samples per prompt, so each group is complete once its k-th sample arrives. Trajectory {@code i} is
 * sample {@code i % k} of group {@code i / k}; the prompts cycle through a fixed pool drawn with a fixed seed.
 */
final class Workload {
    private static final int POOL = 1024;
    private final Prompt[] prompts = new Prompt[POOL];
    private final int[][] solutions = new int[POOL][];
    private final float[][] logProbs = new float[POOL][];
    private final int k;
    private final String run;

    /** @param run distinguishes the groups of separate runs against one replay buffer (ids must be fresh) */
    Workload(int k, String run) {
        ArithmeticTask task = ArithmeticTask.standard();
        SplittableRandom rng = new SplittableRandom(7);
        for (int i = 0; i < POOL; i++) {
            prompts[i] = task.sample(1 + rng.nextInt(task.maxDifficulty()), Task.Split.TRAIN, rng);
            solutions[i] = task.workedSolution(prompts[i]);
            logProbs[i] = new float[solutions[i].length];
            Arrays.fill(logProbs[i], /* log-prob= */ -0.05f);
        }
        this.k = k;
        this.run = run;
    }

    static ArithmeticTask task() {
        return ArithmeticTask.standard();
    }

    int samplesPerPrompt() {
        return k;
    }

    /** Trajectory number {@code i}, finished and unscored, as a rollout worker emits it. */
    Trajectory trajectory(long i) {
        int p = (int) ((i / k) % POOL);
        String id = TrajectoryIds.of(run + "-g" + (i / k), (int) (i % k));
        Segment s = new Segment(id, 0, solutions[p], logProbs[p], /* policyVersion= */ 0, FinishReason.EOS);
        return new Trajectory(id, prompts[p], java.util.List.of(s), Double.NaN);
    }

    /** The mean response length in tokens over the prompt pool. */
    double meanResponseTokens() {
        return Arrays.stream(solutions).mapToInt(s -> s.length).average().orElse(0);
    }
}
