package dev.tributary.actors.rollout;

import java.util.ArrayList;
import java.util.List;

/**
 * Counts of one rollout batch: jobs, tokens generated, how trajectories stopped this time, the busy time of the
 * engine, and its decode steps with the slot capacity they offered ({@code slotSteps} = steps × slots), so that
 * {@code tokens / slotSteps} is how full the engine's batch was on average; and the pause of every weight swap in the
 * middle of the batch (asynchronous in-flight updates), in seconds, in the order they happened.
 */
public record RolloutStats(int jobs, long tokens, int finished, int partial, int resumed, int repeatStopped,
                           double busySeconds, long decodeSteps, long slotSteps, List<Double> swapPauses) {
    public static final RolloutStats EMPTY = new RolloutStats(0, 0, 0, 0, 0, 0, 0, 0, 0);

    public RolloutStats {
        swapPauses = List.copyOf(swapPauses);
    }

    /** Stats of batches without weight swaps in the middle. */
    public RolloutStats(int jobs, long tokens, int finished, int partial, int resumed, int repeatStopped,
                        double busySeconds, long decodeSteps, long slotSteps) {
        this(jobs, tokens, finished, partial, resumed, repeatStopped, busySeconds, decodeSteps, slotSteps, List.of());
    }

    /** Stats of a rollout behaviour without an engine (no decode steps). */
    public RolloutStats(int jobs, long tokens, int finished, int partial, int resumed, int repeatStopped,
                        double busySeconds) {
        this(jobs, tokens, finished, partial, resumed, repeatStopped, busySeconds, 0, 0);
    }

    public RolloutStats plus(RolloutStats o) {
        return new RolloutStats(jobs + o.jobs, tokens + o.tokens, finished + o.finished, partial + o.partial,
                resumed + o.resumed, repeatStopped + o.repeatStopped, busySeconds + o.busySeconds,
                decodeSteps + o.decodeSteps, slotSteps + o.slotSteps, concat(swapPauses, o.swapPauses));
    }

    private static List<Double> concat(List<Double> a, List<Double> b) {
        if (b.isEmpty()) {
            return a;
        }
        List<Double> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }

    /** Weight swaps in the middle of a batch. */
    public int swaps() {
        return swapPauses.size();
    }

    /** Their pauses added up, in seconds. */
    public double swapSeconds() {
        return swapPauses.stream().mapToDouble(Double::doubleValue).sum();
    }

    /** The longest pause, in seconds; 0 without swaps. */
    public double maxSwapSeconds() {
        return swapPauses.stream().mapToDouble(Double::doubleValue).max().orElse(0);
    }

    /**
     * The {@code q}-quantile of the pauses (nearest rank: the smallest pause with at least a fraction {@code q} of
     * them at or below it), in seconds; NaN without swaps.
     */
    public double swapPauseQuantile(double q) {
        if (swapPauses.isEmpty()) {
            return Double.NaN;
        }
        double[] sorted = swapPauses.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        int rank = (int) Math.ceil(q * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    /** Mean fraction of the engines' slots that held a sequence per decode step; NaN without decode steps. */
    public double slotOccupancy() {
        return slotSteps == 0 ? Double.NaN : (double) tokens / slotSteps;
    }
}
