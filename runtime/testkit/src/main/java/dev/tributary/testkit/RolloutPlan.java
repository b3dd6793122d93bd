package dev.tributary.testkit;

import dev.tributary.actors.rollout.RolloutJob;
import dev.tributary.model.FinishReason;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * When and how each job of one rollout batch finishes on a synthetic engine: a pure function of the jobs, the
 * profile and the seed. A trajectory's full response length is drawn once from its own seed, so every segment of
 * a partial rollout continues the same response: a segment generates what remains or the job's token budget,
 * finishing with EOS, or cut ({@code TOKEN_BUDGET}, or {@code MAX_LENGTH} on the job's last chunk). Jobs take the
 * engine's slots in order; a job's time is its time to first token, a hang if it draws one, and its tokens.
 */
final class RolloutPlan {
    private static final long LENGTH = 1;
    private static final long TIMING = 2;

    /**
     * One job's outcome.
     *
     * @param job         index in the batch
     * @param finishNanos when it finishes, from the batch's start
     * @param crash       it crashes the engine instead of finishing (a failure drawn for it, not yet spent here)
     */
    record Step(int job, int tokens, FinishReason reason, long finishNanos, boolean crash, boolean hung) {
    }

    private RolloutPlan() {
    }

    /** The steps of {@code jobs} in finishing order; {@code crashedHere} are ids whose failure this engine has had. */
    static List<Step> of(List<RolloutJob> jobs, LoadProfile.Rollout load, int slots, long seed,
                         Set<String> crashedHere) {
        PriorityQueue<Long> free = new PriorityQueue<>();
        List<Step> steps = new ArrayList<>(jobs.size());
        for (int i = 0; i < jobs.size(); i++) {
            RolloutJob job = jobs.get(i);
            int total = responseTokens(job, load, seed);
            int remaining = Math.max(1, total - job.trajectory().responseLength());
            int tokens = Math.min(remaining, job.tokenBudget());
            FinishReason reason = remaining <= job.tokenBudget() ? FinishReason.EOS
                    : job.lastChunk() ? FinishReason.MAX_LENGTH : FinishReason.TOKEN_BUDGET;
            SplittableRandom r = Seeds.random(seed, job.seed(), job.trajectory().segments().size(), TIMING);
            long firstToken = (long) (load.timeToFirstTokenMs().sample(r) * 1e6);
            boolean hung = r.nextDouble() < load.hangRate();
            boolean fails = r.nextDouble() < load.failureRate() && !crashedHere.contains(job.trajectory().id());
            long busy = firstToken + (hung ? load.hangTime().toNanos() : 0)
                    + Math.max(0, tokens - 1) * load.timePerToken().toNanos();
            long start = free.size() < slots ? 0 : free.poll();
            free.add(start + busy);
            steps.add(new Step(i, tokens, reason, start + busy, fails, hung));
        }
        steps.sort(Comparator.comparingLong(Step::finishNanos).thenComparingInt(Step::job));
        return steps;
    }

    /** The trajectory's full response length: the same on every resume of it. */
    static int responseTokens(RolloutJob job, LoadProfile.Rollout load, long seed) {
        double drawn = load.responseTokens().sample(Seeds.random(seed, job.seed(), LENGTH));
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE / 2, Math.round(drawn)));
    }
}
