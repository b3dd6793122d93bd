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
import java.util.Set;
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
        WorkQueue q = WorkQueue.IDLE.offered(1, List.of(batch("i1-b0"), batch("i1-b1")));
        assertEquals("i1-b0", q.head().id());
        q = q.sentHead();
        assertEquals("i1-b1", q.head().id());
        q = q.sentHead();
        assertFalse(q.hasUnsent());
        assertTrue(q.completed().isEmpty(), "sent is not done");
    }

    @Test
    void eachBatchCountsOnce_andLateAnswersChangeNothing() {
        WorkQueue q = WorkQueue.IDLE.offered(1, List.of(batch("i1-b0"), batch("i1-b1"))).sentHead().sentHead();
        q = q.done("i1-b0", stats(1));
        WorkQueue again = q.done("i1-b0", stats(1));
        assertSame(q, again, "a batch re-run after its worker was lost is answered twice");
        assertTrue(q.completed().isEmpty());
        q = q.done("i1-b1", stats(2));
        assertEquals(new WorkQueue.Completed(1, stats(1).plus(stats(2))), q.completed().orElseThrow());
        q = q.without(1);
        assertSame(q, q.done("i0-b3", stats(5)), "an earlier round's batch");
        assertEquals(Set.of(), q.open());
    }

    @Test
    void roundsMayOverlap_eachWithItsOwnStats() {
        WorkQueue q = WorkQueue.IDLE.offered(1, List.of(batch("i1-b0"))).offered(2, List.of(batch("i2-b0")));
        assertEquals(Set.of(1, 2), q.open());
        q = q.done("i2-b0", stats(3));
        assertEquals(new WorkQueue.Completed(2, stats(3)), q.completed().orElseThrow(), "the later round first");
        q = q.without(2).done("i1-b0", stats(4));
        assertEquals(new WorkQueue.Completed(1, stats(4)), q.completed().orElseThrow());
        WorkQueue open = q;
        var e = assertThrows(IllegalStateException.class, () -> open.offered(1, List.of(batch("i1-b9"))));
        assertTrue(e.getMessage().contains("round 1 was offered again"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> WorkQueue.IDLE.offered(3, List.of()));
        assertThrows(IllegalArgumentException.class,
                () -> WorkQueue.IDLE.offered(1, List.of(batch("i1-b0"), batch("i1-b0"))));
    }

    @Test
    void aRoundOfAThousandBatches_leavesInOrder_andCompletesOnceEachIsDone_onceOnly() {
        List<RolloutWork.Batch> batches = new java.util.ArrayList<>();
        for (int b = 0; b < 1_000; b++) {
            batches.add(batch("i1-b" + b));
        }
        WorkQueue q = WorkQueue.IDLE.offered(1, batches);
        for (int b = 0; b < 600; b++) {
            assertEquals("i1-b" + b, q.head().id());
            q = q.sentHead();
        }
        q = q.offered(2, List.of(batch("i2-b0")));
        assertEquals(401, q.unsent().size(), "the rest of round 1, then round 2's");
        for (int b = 600; b < 1_000; b++) {
            assertEquals("i1-b" + b, q.head().id());
            q = q.sentHead();
        }
        assertEquals("i2-b0", q.head().id());
        for (int b = 999; b >= 0; b--) {
            assertTrue(q.completed().isEmpty(), b + 1 + " batches of round 1 left");
            q = q.done("i1-b" + b, stats(1));
            assertSame(q, q.done("i1-b" + b, stats(1)), "answered twice, counted once");
        }
        assertEquals(new WorkQueue.Completed(1, new RolloutStats(1_000, 10_000L, 1_000, 0, 0, 0, 500.0)),
                q.completed().orElseThrow());
        assertFalse(q.nothingOut(), "round 2's batch is not done");
    }

    @Test
    void aDrain_forgetsTheUnsentBatches_andTheRoundsWaitOnlyForThoseOut() {
        WorkQueue q = WorkQueue.IDLE.offered(1, List.of(batch("i1-b0"), batch("i1-b1"), batch("i1-b2"))).sentHead();
        q = q.withoutUnsent();
        assertFalse(q.hasUnsent());
        assertFalse(q.nothingOut(), "i1-b0 is out");
        q = q.done("i1-b0", stats(2));
        assertTrue(q.nothingOut());
        assertEquals(new WorkQueue.Completed(1, stats(2)), q.completed().orElseThrow());
    }
}
