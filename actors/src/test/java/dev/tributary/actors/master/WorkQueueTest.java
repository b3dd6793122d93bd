package dev.tributary.actors.master;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tributary.actors.rollout.RolloutJob;
import dev.tributary.actors.rollout.RolloutStats;
import dev.tributary.actors.rollout.RolloutWork;
import dev.tributary.model.PolicyVersion;
import dev.tributary.model.Prompt;
import dev.tributary.model.Trajectory;
import dev.tributary.model.task.ArithmeticTask;
import dev.tributary.model.token.Tokenizer;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The dispatcher's bookkeeping, without actors. */
class WorkQueueTest {
    private static final Prompt P = new ArithmeticTask(Tokenizer.standard(), 2, false).prompt(1, 2, '+', 1);

    private static RolloutWork.Batch batch(String id) {
        return new RolloutWork.Batch(id, List.of(new RolloutJob(Trajectory.start(id + "/0", P), 4, 1L, false)),
                PolicyVersion.INITIAL, null);
    }

    private static RolloutStats stats(int jobs) {
        return new RolloutStats(jobs, 10L * jobs, jobs, 0, 0, 0, 0.5);
    }

    @Test
    void batchesLeaveInOrder_oneAtATime() {
        WorkQueue q = WorkQueue.IDLE.offered(List.of(batch("i1-b0"), batch("i1-b1")));
        assertEquals("i1-b0", q.head().id());
        q = q.sentHead();
        assertEquals("i1-b1", q.head().id());
        q = q.sentHead();
        assertFalse(q.hasUnsent());
        assertFalse(q.roundDone(), "sent is not done");
    }

    @Test
    void eachBatchCountsOnce_andLateAnswersChangeNothing() {
        WorkQueue q = WorkQueue.IDLE.offered(List.of(batch("i1-b0"), batch("i1-b1"))).sentHead().sentHead();
        q = q.done("i1-b0", stats(1));
        WorkQueue again = q.done("i1-b0", stats(1));
        assertSame(q, again, "a batch re-run after its worker was lost is answered twice");
        assertFalse(q.roundDone());
        q = q.done("i1-b1", stats(2));
        assertTrue(q.roundDone());
        assertEquals(stats(1).plus(stats(2)), q.stats());
        assertSame(q, q.done("i0-b3", stats(5)), "an earlier round's batch");
    }

    @Test
    void aNewRound_startsFromEmptyStats_andOnlyAfterTheLast() {
        WorkQueue q = WorkQueue.IDLE.offered(List.of(batch("i1-b0"))).sentHead();
        WorkQueue open = q;
        var e = assertThrows(IllegalStateException.class, () -> open.offered(List.of(batch("i2-b0"))));
        assertTrue(e.getMessage().contains("[i1-b0]"), e.getMessage());
        q = q.done("i1-b0", stats(3)).offered(List.of(batch("i2-b0")));
        assertEquals(RolloutStats.EMPTY, q.stats());
        assertThrows(IllegalArgumentException.class, () -> WorkQueue.IDLE.offered(List.of()));
        assertThrows(IllegalArgumentException.class,
                () -> WorkQueue.IDLE.offered(List.of(batch("i1-b0"), batch("i1-b0"))));
    }
}
