package dev.tributary.actors.master;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tributary.actors.rollout.RolloutJob;
import dev.tributary.model.FinishReason;
import dev.tributary.model.Prompt;
import dev.tributary.model.Segment;
import dev.tributary.model.Trajectory;
import dev.tributary.model.task.ArithmeticTask;
import dev.tributary.model.token.Tokenizer;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The kernel's pure parts: which jobs, which batches, which seeds, which order. */
class JobsTest {
    private static final ArithmeticTask TASK = new ArithmeticTask(Tokenizer.standard(), 2, false);
    private static final Prompt P = TASK.prompt(1, 2, '+', 1);
    private static final Prompt Q = TASK.prompt(3, 4, '+', 1);

    private static MasterSettings settings(long seed) {
        return new MasterSettings(2, 2, 3, 4, 10, seed, List.of(), 1, 8, 0, 2);
    }

    private static Trajectory cut(String id, int tokens) {
        int[] t = new int[tokens];
        float[] lp = new float[tokens];
        Arrays.fill(t, 5);
        return Trajectory.start(id, P).append(new Segment(id, 0, t, lp, 0, FinishReason.TOKEN_BUDGET));
    }

    private static List<String> ids(List<RolloutJob> jobs) {
        return jobs.stream().map(j -> j.trajectory().id()).toList();
    }

    @Test
    void seedOf_isTheRunsFormula_bitForBit() {
        // Values of the formula the master has used since the first release: resumed runs depend on them.
        assertEquals(6710343848767076348L, Jobs.seedOf(3L, "i1-q0/0"));
        assertEquals(-3580353909177860836L, Jobs.seedOf(3L, "i2-q1/1"));
        assertEquals(8630334662944293360L, Jobs.seedOf(42L, "i0-q0/0"));
        assertEquals(-1220600887243098964L, Jobs.seedOf(-7L, "i12-q3/5"));
    }

    @Test
    void jobs_resumedFirstById_thenKFreshSamplesPerPrompt() {
        List<RolloutJob> jobs = Jobs.of(settings(3L), 4, List.of(cut("i3-q1/0", 4), cut("i2-q0/2", 8)),
                List.of(P, Q));
        assertEquals(List.of("i2-q0/2", "i3-q1/0", "i4-q0/0", "i4-q0/1", "i4-q0/2", "i4-q1/0", "i4-q1/1",
                "i4-q1/2"), ids(jobs));
        assertEquals(Q, jobs.get(5).trajectory().prompt());
        assertTrue(jobs.get(0).resumed());
        assertEquals(2, jobs.get(0).tokenBudget(), "8 of at most 10 tokens are generated: 2 to go");
        assertTrue(jobs.get(0).lastChunk());
        assertEquals(4, jobs.get(1).tokenBudget());
        assertFalse(jobs.get(2).resumed());
        for (RolloutJob j : jobs) {
            assertEquals(Jobs.seedOf(3L, j.trajectory().id()), j.seed(), j.trajectory().id());
        }
    }

    @Test
    void cut_sendsJobIToBatchIModN() {
        List<RolloutJob> jobs = Jobs.of(settings(1L), 1, List.of(), List.of(P, Q));
        List<List<RolloutJob>> batches = Jobs.cut(jobs, 4);
        assertEquals(List.of(List.of("i1-q0/0", "i1-q1/1"), List.of("i1-q0/1", "i1-q1/2"), List.of("i1-q0/2"),
                List.of("i1-q1/0")), batches.stream().map(JobsTest::ids).toList());
        assertThrows(IllegalArgumentException.class, () -> Jobs.cut(jobs, 0));
    }

    @Test
    void batchesOverTheSizeLimit_areCutFiner_downToOneJobEach() {
        List<RolloutJob> jobs = Jobs.of(settings(3L), 4, List.of(cut("i3-q1/0", 4), cut("i2-q0/2", 8)),
                List.of(P, Q));
        long biggest = jobs.stream().mapToLong(Jobs::bytesOf).max().orElseThrow();
        long total = jobs.stream().mapToLong(Jobs::bytesOf).sum();
        // Room for everything: the count work pulling wants.
        assertEquals(Jobs.batchCount(jobs.size(), 2, 2), Jobs.batches(jobs, 2, 2, total).size());
        // Room for about two jobs a batch: every batch fits, and no job is lost or doubled.
        List<List<RolloutJob>> small = Jobs.batches(jobs, 1, 1, 2 * biggest);
        assertTrue(small.stream().allMatch(b -> b.stream().mapToLong(Jobs::bytesOf).sum() <= 2 * biggest), "" + small);
        assertEquals(jobs.size(), small.stream().mapToInt(List::size).sum());
        assertEquals(Set.copyOf(jobs), small.stream().flatMap(List::stream).collect(java.util.stream.Collectors.toSet()));
        // A job over the limit on its own still goes, alone.
        assertEquals(jobs.size(), Jobs.batches(jobs, 1, 1, 1).size());
    }

    @Test
    void batchCount_fillsEveryLiveWorkersWindow_butNeverExceedsTheJobs() {
        assertEquals(4, Jobs.batchCount(6, 2, 2));
        assertEquals(3, Jobs.batchCount(3, 2, 2));
        assertEquals(2, Jobs.batchCount(6, 1, 2));
        assertEquals(6, Jobs.batchCount(6, 2, 3));
        var e = assertThrows(IllegalArgumentException.class, () -> Jobs.batchCount(6, 2, 0));
        assertEquals("live rollout workers 0 must be > 0", e.getMessage());
    }

    @Test
    void batchIds_nameTheIteration() {
        assertEquals("i7-b3", Jobs.batchId(7, 3));
    }

    @Test
    void sorted_ordersMembersById_andGroupsByTheirFirstMember() {
        Trajectory a0 = Trajectory.start("i1-q0/0", P);
        Trajectory a1 = Trajectory.start("i1-q0/1", P);
        Trajectory b0 = Trajectory.start("i0-q3/0", Q);
        Trajectory b1 = Trajectory.start("i0-q3/1", Q);
        assertEquals(List.of(List.of(b0, b1), List.of(a0, a1)),
                Jobs.sorted(List.of(List.of(a1, a0), List.of(b1, b0))));
    }
}
