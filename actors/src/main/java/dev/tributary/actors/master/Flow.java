package dev.tributary.actors.master;

import dev.tributary.actors.rollout.RolloutStats;
import dev.tributary.actors.trainer.Trainer;
import dev.tributary.model.Prompt;
import dev.tributary.model.Trajectory;
import java.util.List;

/**
 * Where the asynchronous driver's two flows stand: rounds sent and done, whether the trainer is busy, and what the
 * training step under way gathers for its report. Times are {@code System.nanoTime()} readings.
 *
 * @param startRound         the first round of this process (the start iteration, or the checkpoint's next round)
 * @param nextRound          the round to send next
 * @param steps              training steps done by this process
 * @param asking             a round's unfinished trajectories have been asked for and the round is not out yet
 * @param inFlight           rounds out and not yet done
 * @param mayHoldBatch       the replay buffer may hold a training batch (B complete groups): a round was done
 *                           since the last take, or the last take found a whole batch (more may be left)
 * @param trainerBusy        a training step is under way (from taking the groups to its report)
 * @param draining           a checkpoint is due: no round is sent until the ones out are done and it is written
 * @param roundStats         what the rounds done since the last step's groups were taken did
 * @param stepStats          the rollout stats of the step under way
 * @param requeued           prompts whose groups were dropped as too stale, to go out again in the next rounds
 */
record Flow(int startRound, int nextRound, int steps, boolean asking, int inFlight, boolean mayHoldBatch,
            boolean trainerBusy, boolean draining, RolloutStats roundStats, RolloutStats stepStats, long lastReport,
            long trainStart, double trainSeconds, double loss,
            List<Trajectory> batch, Staleness staleness, List<Prompt> requeued) {
    Flow {
        batch = List.copyOf(batch);
        requeued = List.copyOf(requeued);
    }

    static Flow start(Run run, long now) {
        int first = Math.max(run.iteration(), run.round());
        return new Flow(first, first, 0, false, 0, true, false, false, RolloutStats.EMPTY,
                RolloutStats.EMPTY, now, now, 0, Double.NaN, List.of(), Staleness.NONE, List.of());
    }

    /**
     * A round may go out while at most {@code maxStaleness} rounds have gone out ahead of the training steps
     * reported: a step trains one round's worth of groups (B), so a round is trained within about that many
     * versions of the one it went out at. When nothing can move otherwise (no round out, the trainer idle and the
     * buffer short of a batch: groups dropped as stale, or samples cut by their token budget that only a next
     * round resumes), one more round goes out; the bound is then held at training time, on every token.
     */
    boolean mayDispatch(int maxStaleness) {
        boolean stalled = inFlight == 0 && !trainerBusy && !mayHoldBatch;
        return !asking && !draining && (nextRound - startRound - steps <= maxStaleness || stalled);
    }

    /** Training goes on while a checkpoint waits for the rounds out, so that they find room in the buffer. */
    boolean mayTrain() {
        return !trainerBusy && mayHoldBatch;
    }

    /**
     * A due checkpoint can be written: nothing out, nothing training, and no whole batch in the buffer (what is
     * there, fewer than B complete groups and the unfinished samples, is saved with the replay buffer's part).
     */
    boolean drained() {
        return draining && !asking && inFlight == 0 && !mayHoldBatch && !trainerBusy;
    }

    Flow dispatching() {
        return new Flow(startRound, nextRound, steps, true, inFlight, mayHoldBatch, trainerBusy, draining, roundStats,
                stepStats, lastReport, trainStart, trainSeconds, loss, batch, staleness, requeued);
    }

    /** The round went out, carrying the first {@code requeuedSent} re-queued prompts. */
    Flow dispatched(int requeuedSent) {
        List<Prompt> requeued = this.requeued.subList(requeuedSent, this.requeued.size());
        return new Flow(startRound, nextRound + 1, steps, false, inFlight + 1, mayHoldBatch, trainerBusy, draining,
                roundStats, stepStats, lastReport, trainStart, trainSeconds, loss, batch,
                staleness, requeued);
    }

    Flow roundDone(RolloutStats stats) {
        return new Flow(startRound, nextRound, steps, asking, inFlight - 1, true, trainerBusy, draining,
                roundStats.plus(stats), stepStats, lastReport, trainStart, trainSeconds, loss,
                batch, staleness, requeued);
    }

    /** The trainer asks for a batch; the step owns the rounds' stats from here. */
    Flow taking() {
        return new Flow(startRound, nextRound, steps, asking, inFlight, mayHoldBatch, true, draining,
                RolloutStats.EMPTY,
                stepStats.plus(roundStats), lastReport, trainStart, trainSeconds, loss,
                batch, staleness, requeued);
    }

    /**
     * Nothing to train: the buffer held fewer than B complete groups ({@code moreMayBeReady} false: the next take
     * waits for a round to be done), or every group taken was dropped as too stale. The trainer is free again; the
     * stats wait for the next step.
     */
    Flow nothingToTrain(int dropped, List<Prompt> requeue, boolean moreMayBeReady) {
        List<Prompt> requeued = concat(this.requeued, requeue);
        return new Flow(startRound, nextRound, steps, asking, inFlight, moreMayBeReady, false, draining, roundStats,
                stepStats, lastReport, trainStart, trainSeconds, loss, batch,
                new Staleness(0, 0, 0, staleness.droppedSamples() + dropped), requeued);
    }

    Flow grouped(Staleness s, int dropped, List<Prompt> requeue, boolean moreMayBeReady) {
        List<Prompt> requeued = concat(this.requeued, requeue);
        return new Flow(startRound, nextRound, steps, asking, inFlight, moreMayBeReady, true, draining, roundStats,
                stepStats, lastReport, trainStart, trainSeconds, loss, batch,
                new Staleness(s.p50(), s.p99(), s.max(), staleness.droppedSamples() + dropped), requeued);
    }

    /** The batch is shaped and goes to the trainer: the step's train time starts here, as a synchronous one's. */
    Flow shaped(List<Trajectory> shaped, long now) {
        return new Flow(startRound, nextRound, steps, asking, inFlight, mayHoldBatch, trainerBusy, draining,
                roundStats, stepStats, lastReport, now, trainSeconds, loss, shaped,
                staleness, requeued);
    }

    Flow trained(Trainer.Trained t, long now) {
        return new Flow(startRound, nextRound, steps, asking, inFlight, mayHoldBatch, trainerBusy, draining,
                roundStats, stepStats, lastReport, trainStart, (now - trainStart) / 1e9,
                t.loss(), batch, staleness, requeued);
    }

    /**
     * The step's report. Rollout never stops, so its seconds are the time since the last report (tokens per second
     * are then the rounds' generation rate); train seconds are the step's own.
     */
    IterationReport report(Run run, double heldOutAccuracy, long now) {
        double meanReward = batch.stream().mapToDouble(Trajectory::reward).average().orElse(Double.NaN);
        double meanLength = batch.stream().mapToInt(Trajectory::responseLength).average().orElse(Double.NaN);
        return new IterationReport(run.iteration(), run.version(), batch.size(), meanReward, meanLength,
                heldOutAccuracy, stepStats, loss, (now - lastReport) / 1e9, trainSeconds, 0, 0,
                (now - lastReport) / 1e9, staleness);
    }

    /** The step is reported; a checkpoint due after it drains the flows first. */
    Flow reported(long now, boolean checkpointDue) {
        return new Flow(startRound, nextRound, steps + 1, asking, inFlight, mayHoldBatch, false, checkpointDue,
                roundStats, RolloutStats.EMPTY, now, now, 0, Double.NaN, List.of(), Staleness.NONE, requeued);
    }

    Flow checkpointed() {
        return new Flow(startRound, nextRound, steps, asking, inFlight, mayHoldBatch, trainerBusy, false, roundStats,
                stepStats, lastReport, trainStart, trainSeconds, loss, batch, staleness, requeued);
    }

    private static List<Prompt> concat(List<Prompt> a, List<Prompt> b) {
        if (b.isEmpty()) {
            return a;
        }
        List<Prompt> out = new java.util.ArrayList<>(a);
        out.addAll(b);
        return out;
    }
}
