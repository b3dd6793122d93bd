package dev.tributary.actors.rollout;

/**
 * Counts of one rollout batch: jobs, tokens generated, how trajectories stopped this time, the busy time of the
 * engine, and its decode steps with the slot capacity they offered ({@code slotSteps} = steps × slots), so that
 * {@code tokens / slotSteps} is how full the engine's batch was on average.
 */
public record RolloutStats(int jobs, long tokens, int finished, int partial, int resumed, int repeatStopped,
                           double busySeconds, long decodeSteps, long slotSteps) {
    public static final RolloutStats EMPTY = new RolloutStats(0, 0, 0, 0, 0, 0, 0, 0, 0);

    /** Stats of a rollout behaviour without an engine (no decode steps). */
    public RolloutStats(int jobs, long tokens, int finished, int partial, int resumed, int repeatStopped,
                        double busySeconds) {
        this(jobs, tokens, finished, partial, resumed, repeatStopped, busySeconds, 0, 0);
    }

    public RolloutStats plus(RolloutStats o) {
        return new RolloutStats(jobs + o.jobs, tokens + o.tokens, finished + o.finished, partial + o.partial,
                resumed + o.resumed, repeatStopped + o.repeatStopped, busySeconds + o.busySeconds,
                decodeSteps + o.decodeSteps, slotSteps + o.slotSteps);
    }

    /** Mean fraction of the engines' slots that held a sequence per decode step; NaN without decode steps. */
    public double slotOccupancy() {
        return slotSteps == 0 ? Double.NaN : (double) tokens / slotSteps;
    }
}
