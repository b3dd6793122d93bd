package dev.tributary.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tributary.actors.rollout.RolloutJob;
import dev.tributary.model.FinishReason;
import dev.tributary.model.Prompt;
import dev.tributary.model.Segment;
import dev.tributary.model.Trajectory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RolloutPlanTest {
    private static final Prompt PROMPT = new Prompt("p", new int[] {5, 6}, "arithmetic", 1, "11");

    private static LoadProfile.Rollout rollout(String lengths, double failureRate, double hangRate) {
        return LoadProfile.builder().responseTokens(lengths).timeToFirstTokenMs("constant(value=2)")
                .timePerToken(Duration.ofMillis(1)).rolloutFailureRate(failureRate)
                .hangs(hangRate, Duration.ofMillis(100)).build().rollout();
    }

    private static RolloutJob job(Trajectory t, int budget, int max) {
        return RolloutJob.of(t, budget, max, t.id().hashCode() * 31L);
    }

    /** Rolls {@code id} out to its end, segment by segment, as the master would over iterations. */
    private static List<RolloutPlan.Step> toTheEnd(String id, LoadProfile.Rollout load, int budget, int max) {
        List<RolloutPlan.Step> steps = new ArrayList<>();
        Trajectory t = Trajectory.start(id, PROMPT);
        while (!t.finished()) {
            RolloutPlan.Step s = RolloutPlan.of(List.of(job(t, budget, max)), load, 1, 7, Set.of()).get(0);
            steps.add(s);
            t = t.append(new Segment(id, t.segments().size(), new int[s.tokens()], new float[s.tokens()], 0, s.reason()));
        }
        return steps;
    }

    @Test
    void aLongResponse_isCutAtEachBudget_andContinuesToTheLengthItDrewOnce() {
        LoadProfile.Rollout load = rollout("constant(value=130)", 0, 0);
        List<RolloutPlan.Step> steps = toTheEnd("i1-q0/0", load, 50, 1000);
        assertEquals(List.of(50, 50, 30), steps.stream().map(RolloutPlan.Step::tokens).toList());
        assertEquals(List.of(FinishReason.TOKEN_BUDGET, FinishReason.TOKEN_BUDGET, FinishReason.EOS),
                steps.stream().map(RolloutPlan.Step::reason).toList());
    }

    @Test
    void aResponseLongerThanTheMaximum_endsThereWithMaxLength() {
        List<RolloutPlan.Step> steps = toTheEnd("i1-q0/1", rollout("constant(value=500)", 0, 0), 64, 100);
        assertEquals(List.of(64, 36), steps.stream().map(RolloutPlan.Step::tokens).toList());
        assertEquals(FinishReason.MAX_LENGTH, steps.get(1).reason());
    }

    @Test
    void longTailedLengths_areAFunctionOfEachTrajectorysSeed() {
        LoadProfile.Rollout load = rollout("lognormal(median=40, sigma=1.0)", 0, 0);
        List<Integer> first = new ArrayList<>();
        List<Integer> again = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            first.add(toTheEnd("i1-q" + i + "/0", load, 32, 100_000).stream().mapToInt(RolloutPlan.Step::tokens).sum());
            again.add(toTheEnd("i1-q" + i + "/0", load, 1000, 100_000).stream().mapToInt(RolloutPlan.Step::tokens).sum());
        }
        assertEquals(first, again, "cut into segments or not, a trajectory's length is the same");
        assertTrue(first.stream().mapToInt(Integer::intValue).max().orElseThrow() > 200, "the tail reaches 5x the median");
    }

    @Test
    void jobsBeyondTheSlots_waitForTheFirstFreeSlot() {
        LoadProfile.Rollout load = rollout("constant(value=11)", 0, 0);
        List<RolloutJob> jobs = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            jobs.add(job(Trajectory.start("i1-q0/" + i, PROMPT), 100, 100));
        }
        // 2 ms to the first token, 10 more tokens at 1 ms: 12 ms a job; two slots.
        List<Long> finish = RolloutPlan.of(jobs, load, 2, 7, Set.of()).stream().map(RolloutPlan.Step::finishNanos).toList();
        assertEquals(List.of(12_000_000L, 12_000_000L, 24_000_000L), finish);
    }

    @Test
    void failuresAndHangs_comeAtTheirRates_andAJobFailsAGivenEngineOnce() {
        LoadProfile.Rollout load = rollout("constant(value=10)", 0.1, 0.05);
        List<RolloutJob> jobs = new ArrayList<>();
        for (int i = 0; i < 4000; i++) {
            jobs.add(job(Trajectory.start("i1-q" + i + "/0", PROMPT), 100, 100));
        }
        List<RolloutPlan.Step> steps = RolloutPlan.of(jobs, load, 4000, 7, Set.of());
        long crashes = steps.stream().filter(RolloutPlan.Step::crash).count();
        long hangs = steps.stream().filter(RolloutPlan.Step::hung).count();
        assertEquals(400, crashes, 60);
        assertEquals(200, hangs, 45);
        steps.stream().filter(RolloutPlan.Step::hung).forEach(s -> assertEquals(111_000_000L, s.finishNanos()));
        Set<String> crashedHere = new java.util.HashSet<>();
        steps.stream().filter(RolloutPlan.Step::crash).forEach(s -> crashedHere.add(jobs.get(s.job()).trajectory().id()));
        assertFalse(RolloutPlan.of(jobs, load, 4000, 7, crashedHere).stream().anyMatch(RolloutPlan.Step::crash));
    }
}
