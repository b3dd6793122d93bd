package dev.tributary.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tributary.model.FinishReason;
import dev.tributary.model.PolicyVersion;
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
                new LoadReport.Synthetic(2, 4, 0, 0, 0, 1, 4, 0), List.of(), new LoadReport.Buffers(1, List.of()),
                new LoadReport.Staleness(0, 0, 0, 2, new java.util.TreeMap<>(java.util.Map.of(0, 2L))));
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
        l.trained(List.of(finished("i1-q0/0"), finished("i1-q0/1")), PolicyVersion.INITIAL);
        LoadReport.ExactlyOnce x = l.account(List.of(cut("i1-q1/0")), 1);
        assertEquals(new LoadReport.ExactlyOnce(3, 2, 1, 0, 0, 0, 0, 3, 0, 0), x);
        report(x).assertNoLoss();
    }

    @Test
    void aTrajectoryNeitherTrainedNorHeld_isLost_andFailsAssertNoLoss() {
        Ledger l = new Ledger();
        l.started("i1-q0/0");
        l.started("i1-q0/1");
        l.trained(List.of(finished("i1-q0/0")), PolicyVersion.INITIAL);
        LoadReport.ExactlyOnce x = l.account(List.of(), 1);
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
        l.trained(List.of(finished("i1-q0/0")), PolicyVersion.INITIAL);
        l.trained(List.of(finished("i1-q0/0")), PolicyVersion.INITIAL);
        l.stored(finished("i1-q0/1"));
        l.stored(finished("i1-q0/1"));
        LoadReport.ExactlyOnce x = l.account(List.of(finished("i1-q0/1")), 1);
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
        LoadReport.ExactlyOnce x = l.account(List.of(cut("i1-q0/0")), 1);
        assertEquals(3, x.emissions());
        assertEquals(1, x.copiesEmitted());
        assertEquals(1, x.copiesDropped());
        assertEquals(1, l.finishedEmitted());
    }

    @Test
    void aTrajectoryOfARoundAfterTheLastIteration_isSentAhead_notLost() {
        Ledger l = new Ledger();
        l.started("i2-q0/0");
        l.started("i3-q0/0");
        LoadReport.ExactlyOnce x = l.account(List.of(), 2);
        assertEquals(1, x.sentAhead(), "round 3 was dispatched ahead of a run that ended after iteration 2");
        assertEquals(1, x.lost(), "round 2's trajectory had its iteration and is lost");
    }

    @Test
    void theStreamHighWater_countsEachFormFromItsFirstOfferToItsFirstArrival_copiesOnce() {
        Ledger l = new Ledger();
        l.entering(cut("i1-q0/0"));
        l.entering(finished("i1-q0/1"));
        l.entering(finished("i1-q0/1")); // a re-run's copy of a form already in the stream
        assertEquals(2, l.streamHighWater());
        l.stored(cut("i1-q0/0"));
        l.stored(finished("i1-q0/1"));
        l.stored(finished("i1-q0/1")); // the copy arrives too: it left nothing more to take out
        l.entering(finished("i1-q0/2"));
        assertEquals(2, l.streamHighWater(), "one in flight now, two at most");
        l.entering(cut("i1-q0/0").append(new Segment("i1-q0/0", 1, new int[] {3}, new float[] {-1}, 1,
                FinishReason.EOS))); // the cut one's next segment is a new form
        l.entering(finished("i1-q0/3"));
        assertEquals(3, l.streamHighWater());
    }

    @Test
    void staleness_isCountedPerTrainedToken_againstTheVersionTrained() {
        Ledger l = new Ledger();
        Trajectory resumed = cut("i1-q0/0").append(new Segment("i1-q0/0", 1, new int[] {3, 3, 2}, new float[3], 2,
                FinishReason.EOS));
        l.trained(List.of(resumed, finished("i1-q0/1")), new PolicyVersion(2));
        LoadReport.Staleness st = l.staleness();
        // Tokens: 3 of version 2 (age 0), 1 + 2 of version 0 (age 2).
        assertEquals(java.util.Map.of(0, 3L, 2, 3L), st.tokensByAge());
        assertEquals(6, st.tokens());
        assertEquals(0, st.p50());
        assertEquals(2, st.p99());
        assertEquals(2, st.max());
    }

    @Test
    void assertThroughputAtLeast_comparesTrajectoriesPerSecond() {
        LoadReport r = report(new LoadReport.ExactlyOnce(2, 2, 0, 0, 0, 0, 0, 2, 0, 0));
        r.assertThroughputAtLeast(2.0);
        AssertionError e = assertThrows(AssertionError.class, () -> r.assertThroughputAtLeast(2.5));
        assertTrue(e.getMessage().startsWith("load test trained 2.0 trajectories/s, expected at least 2.5"));
    }
}
