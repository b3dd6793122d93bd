package dev.tributary.actors.rollout;

/**
 * Counts of one rollout batch: jobs, tokens generated, how trajectories stopped this time, the busy time of the
 * engine, and its decode steps with the slot capacity they offered ({@code slotSteps} = steps × slots), so that
 * {@code tokens / slotSteps} is how full the engine's batch was on average; and the weight swaps in the middle of the
 * batch (asynchronous in-flight updates) with their total and longest pause.
 */
public record RolloutStats(int jobs, long tokens, int finished, int partial, int resumed, int repeatStopped,
                           double busySeconds, long decodeSteps, long slotSteps, int swaps, double swapSeconds,
                           double maxSwapSeconds) {
    public static final RolloutStats EMPTY = new RolloutStats(0, 0, 0, 0, 0, 0, 0, 0, 0);

    /** Stats of batches without weight swaps in the middle. */
    public RolloutStats(int jobs, long tokens, int finished, int partial, int resumed, int repeatStopped,
                        double busySeconds, long decodeSteps, long slotSteps) {
        this(jobs, tokens, finished, partial, resumed, repeatStopped, busySeconds, decodeSteps, slotSteps, 0, 0, 0);
    }

    /** Stats of a rollout behaviour without an engine (no decode steps). */
    public RolloutStats(int jobs, long tokens, int finished, int partial, int resumed, int repeatStopped,
                        double busySeconds) {
        this(jobs, tokens, finished, partial, resumed, repeatStopped, busySeconds, 0, 0);
    }

    public RolloutStats plus(RolloutStats o) {
        return new RolloutStats(jobs + o.jobs, tokens + o.tokens, finished + o.finished, partial + o.partial,
                resumed + o.resumed, repeatStopped + o.repeatStopped, busySeconds + o.busySeconds,
                decodeSteps + o.decodeSteps, slotSteps + o.slotSteps, swaps + o.swaps, swapSeconds + o.swapSeconds,
                Math.max(maxSwapSeconds, o.maxSwapSeconds));
    }

    /** Mean pause of a weight swap in the middle of a batch, in seconds; NaN without swaps. */
    public double meanSwapSeconds() {
        return swaps == 0 ? Double.NaN : swapSeconds / swaps;
    }

    /** Mean fraction of the engines' slots that held a sequence per decode step; NaN without decode steps. */
    public double slotOccupancy() {
        return slotSteps == 0 ? Double.NaN : (double) tokens / slotSteps;
    }
}
