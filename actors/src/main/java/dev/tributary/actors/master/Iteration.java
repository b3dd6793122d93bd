package dev.tributary.actors.master;

import dev.tributary.actors.rollout.RolloutStats;
import dev.tributary.model.Trajectory;
import java.util.List;

/**
 * What the synchronous driver gathers over one iteration, phase by phase, for the report. Times are
 * {@code System.nanoTime()} readings; each phase's seconds run from the end of the previous phase's request.
 */
public record Iteration(long start, long phaseStart, RolloutStats rollout, double rolloutSeconds, List<Trajectory> batch,
                 double trainSeconds, double loss, double syncSeconds, double handoffMillis) {
    public Iteration {
        batch = List.copyOf(batch);
    }

    public static Iteration begin(long now) {
        return new Iteration(now, now, RolloutStats.EMPTY, 0, List.of(), 0, Double.NaN, 0, 0);
    }

    public Iteration rolledOut(RolloutStats stats) {
        return new Iteration(start, phaseStart, stats, rolloutSeconds, batch, trainSeconds, loss, syncSeconds,
                handoffMillis);
    }

    /** Rollout ends when the buffer hands over the groups. */
    public Iteration grouped(long now) {
        return new Iteration(start, phaseStart, rollout, seconds(phaseStart, now), batch, trainSeconds, loss,
                syncSeconds, handoffMillis);
    }

    /** Training starts when the shaped batch is there. */
    public Iteration shaped(List<Trajectory> shaped, long now) {
        return new Iteration(start, now, rollout, rolloutSeconds, shaped, trainSeconds, loss, syncSeconds,
                handoffMillis);
    }

    public Iteration trained(double trainLoss, long now) {
        return new Iteration(start, now, rollout, rolloutSeconds, batch, seconds(phaseStart, now), trainLoss,
                syncSeconds, handoffMillis);
    }

    public Iteration synced(long now) {
        return new Iteration(start, now, rollout, rolloutSeconds, batch, trainSeconds, loss, seconds(phaseStart, now),
                handoffMillis);
    }

    public Iteration withHandoffMillis(double millis) {
        return new Iteration(start, phaseStart, rollout, rolloutSeconds, batch, trainSeconds, loss, syncSeconds,
                millis);
    }

    /** The report of {@code run}'s iteration, its version the one just trained. */
    public IterationReport report(Run run, double heldOutAccuracy, long now) {
        double meanReward = batch.stream().mapToDouble(Trajectory::reward).average().orElse(Double.NaN);
        double meanLength = batch.stream().mapToInt(Trajectory::responseLength).average().orElse(Double.NaN);
        return new IterationReport(run.iteration(), run.version(), batch.size(), meanReward, meanLength,
                heldOutAccuracy, rollout, loss, rolloutSeconds, trainSeconds, syncSeconds, handoffMillis,
                seconds(start, now), Staleness.NONE);
    }

    private static double seconds(long from, long to) {
        return (to - from) / 1e9;
    }
}
