package dev.tributary.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tributary.model.FinishReason;
import dev.tributary.model.Prompt;
import dev.tributary.model.Segment;
import dev.tributary.model.Trajectory;
import dev.tributary.runtime.metrics.IterationMetrics;
import java.util.List;
import org.junit.jupiter.api.Test;

class LedgerTest {
    private static final Prompt PROMPT = new Prompt("p", new int[] {5, 6}, "arithmetic", 1, "11");

    private static Trajectory finished(String id) {
        return Trajectory.start(id, PROMPT).append(new Segment(id, 0, new int[] {4, 2}, new float[] {-1, -1}, 0,
                FinishReason.EOS)).withReward(1);
    }

    private static Trajectory cut(String id) {
        return Trajectory.start(id, PROMPT).append(new Segment(id, 0, new int[] {4}, new float[] {-1}, 0,
                FinishReason.TOKEN_BUDGET));
    }

    private static LoadReport report(LoadReport.ExactlyOnce x) {
        return new LoadReport("test", List.of(new IterationMetrics(1, 0, Double.NaN, 2, 10, 0, 0, 0, 1, 0, 0, 0, 2, 0,
                Double.NaN, 1, 0, 0, 0, 0)), new LoadReport.Throughput(2, 4, 1),
                new LoadReport.Phases(1, 0.5, 0.2, 0.1, 0.2), new LoadReport.Resources(10, 1 << 20, 1 << 20, 0, 1, 1 << 20, 1 << 21, 512),
                new LoadReport.WeightSync(4, 0, 0, "shared", 0, 0), x,
                new LoadReport.Synthetic(2, 4, 0, 0, 0, 1, 4, 0), List.of());
    }

    @Test
    void everyStartedTrajectory_trainedOnceOrHeld_isAccountedFor() {
        Ledger l = new Ledger();
        for (String id : List.of("i1-q0/0", "i1-q0/1", "i1-q1/0")) {
            l.started(id);
        }
        l.emitted(finished("i1-q0/0"));
        l.emitted(finished("i1-q0/1"));
        l.emitted(cut("i1-q1/0"));
        l.stored(finished("i1-q0/0"));
        l.stored(finished("i1-q0/1"));
        l.stored(cut("i1-q1/0"));
        l.trained(List.of(finished("i1-q0/0"), finished("i1-q0/1")));
        LoadReport.ExactlyOnce x = l.account(List.of(cut("i1-q1/0")));
        assertEquals(new LoadReport.ExactlyOnce(3, 2, 1, 0, 0, 0, 3, 0, 0), x);
        report(x).assertNoLoss();
    }

    @Test
    void aTrajectoryNeitherTrainedNorHeld_isLost_andFailsAssertNoLoss() {
        Ledger l = new Ledger();
        l.started("i1-q0/0");
        l.started("i1-q0/1");
        l.trained(List.of(finished("i1-q0/0")));
        LoadReport.ExactlyOnce x = l.account(List.of());
        assertEquals(1, x.lost());
        AssertionError e = assertThrows(AssertionError.class, () -> report(x).assertNoLoss());
        assertTrue(e.getMessage().startsWith("load test lost 1 and duplicated 0 trajectories"), e.getMessage());
        assertTrue(e.getMessage().contains("lost / duplicated"), "the table comes with it");
    }

    @Test
    void aTrajectoryTrainedTwice_orStoredTwice_isDuplicated_onceEach() {
        Ledger l = new Ledger();
        l.started("i1-q0/0");
        l.started("i1-q0/1");
        l.trained(List.of(finished("i1-q0/0")));
        l.trained(List.of(finished("i1-q0/0")));
        l.stored(finished("i1-q0/1"));
        l.stored(finished("i1-q0/1"));
        LoadReport.ExactlyOnce x = l.account(List.of(finished("i1-q0/1")));
        assertEquals(2, x.duplicated());
        assertEquals(0, x.lost());
        assertThrows(AssertionError.class, () -> report(x).assertNoLoss());
    }

    @Test
    void copies_areCountedWhenEmitted_andDroppedUnlessTheStoreTookThem() {
        Ledger l = new Ledger();
        l.started("i1-q0/0");
        l.emitted(cut("i1-q0/0"));
        l.emitted(cut("i1-q0/0"));
        l.emitted(cut("i1-q0/0").append(new Segment("i1-q0/0", 1, new int[] {2}, new float[] {-1}, 1,
                FinishReason.EOS)));
        l.stored(cut("i1-q0/0"));
        LoadReport.ExactlyOnce x = l.account(List.of(cut("i1-q0/0")));
        assertEquals(3, x.emissions());
        assertEquals(1, x.copiesEmitted());
        assertEquals(1, x.copiesDropped());
        assertEquals(1, l.finishedEmitted());
    }

    @Test
    void assertThroughputAtLeast_comparesTrajectoriesPerSecond() {
        LoadReport r = report(new LoadReport.ExactlyOnce(2, 2, 0, 0, 0, 0, 2, 0, 0));
        r.assertThroughputAtLeast(2.0);
        AssertionError e = assertThrows(AssertionError.class, () -> r.assertThroughputAtLeast(2.5));
        assertTrue(e.getMessage().startsWith("load test trained 2.0 trajectories/s, expected at least 2.5"));
    }
}
