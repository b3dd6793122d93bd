package dev.tributary.actors.master;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tributary.actors.rollout.RolloutStats;
import dev.tributary.model.PolicyVersion;
import dev.tributary.model.Prompt;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The asynchronous driver's admission and batch rules, as a value. */
class FlowTest {
    private static final Prompt P = new Prompt("p", new int[] {1, 5, 6}, "arithmetic", 1, "11");
    private static final Prompt Q = new Prompt("q", new int[] {1, 6, 6}, "arithmetic", 1, "12");

    private static Flow start() {
        return Flow.start(Run.start(1, PolicyVersion.INITIAL, List.of()), 0);
    }

    /** Sends a round: asked for its unfinished trajectories, then out. */
    private static Flow send(Flow f) {
        return f.dispatching().dispatched(0);
    }

    @Test
    void roundsGoOutWhileAtMostEtaAreAheadOfTheStepsReported() {
        Flow f = start();
        assertTrue(f.mayDispatch(1));
        f = send(f);
        assertTrue(f.mayDispatch(1), "one round ahead of the steps is within eta = 1");
        assertFalse(f.mayDispatch(0), "with eta = 0 the next round waits for the step");
        f = send(f);
        assertFalse(f.mayDispatch(1), "two rounds ahead");
        f = f.roundDone(RolloutStats.EMPTY);
        assertTrue(f.mayTrain(), "a round was done: the buffer may hold a batch");
        f = f.taking().grouped(Staleness.NONE, 0, List.of(), true);
        assertFalse(f.mayDispatch(1), "taken but not reported: still two ahead");
        f = f.reported(0, false);
        assertTrue(f.mayDispatch(1), "the step is reported: one ahead");
        assertTrue(f.mayTrain(), "the last take found a whole batch: another may be waiting");
    }

    @Test
    void aShortBufferWaitsForARound_andWhenNothingElseCanMoveOneMoreRoundGoesOut() {
        Flow f = send(send(start())).roundDone(RolloutStats.EMPTY).roundDone(RolloutStats.EMPTY);
        f = f.taking().nothingToTrain(0, List.of(), false);
        assertFalse(f.mayTrain(), "fewer than B complete groups: no take until a round is done");
        assertTrue(f.mayDispatch(1), "nothing out, the trainer idle, the buffer short: a round goes out regardless");
        f = f.dispatching();
        assertFalse(f.mayDispatch(1), "one round is asked for at a time");
    }

    @Test
    void droppedGroupsPromptsGoOutAgain_aRoundAtATime() {
        Flow f = send(start()).roundDone(RolloutStats.EMPTY).taking().nothingToTrain(8, List.of(P, Q), true);
        assertEquals(List.of(P, Q), f.requeued());
        assertEquals(8, f.report(Run.start(1, PolicyVersion.INITIAL, List.of()), Double.NaN, 0).staleness()
                .droppedSamples(), "the dropped samples are counted");
        f = f.dispatching().dispatched(1);
        assertEquals(List.of(Q), f.requeued(), "the first went out with the round");
        f = f.dispatching().dispatched(1);
        assertEquals(List.of(), f.requeued());
    }

    @Test
    void aDueCheckpointWaitsUntilNothingIsOutAndNoWholeBatchIsLeft() {
        Flow f = send(start()).roundDone(RolloutStats.EMPTY).taking().grouped(Staleness.NONE, 0, List.of(), true)
                .reported(0, true);
        assertFalse(f.mayDispatch(4), "draining: nothing goes out");
        assertFalse(f.drained(), "the last take was whole: another batch may be waiting");
        f = f.taking().nothingToTrain(0, List.of(), false);
        assertTrue(f.drained(), "what is left, fewer than B groups, is saved with the replay buffer");
        assertTrue(f.checkpointed().mayDispatch(4));
    }
}
