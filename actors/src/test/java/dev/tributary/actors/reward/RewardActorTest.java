package dev.tributary.actors.reward;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tributary.model.FinishReason;
import dev.tributary.model.Prompt;
import dev.tributary.model.Segment;
import dev.tributary.model.Trajectory;
import dev.tributary.model.TrajectoryIds;
import dev.tributary.model.task.ArithmeticTask;
import dev.tributary.model.token.Tokenizer;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.pekko.actor.testkit.typed.annotations.JUnit5TestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.JUnit5TestKitBuilder;
import org.apache.pekko.actor.testkit.typed.javadsl.LoggingTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestKitJUnit5Extension;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

// One test instance per class, so that the extension's single kit (shut down after all tests) is the only one.
@ExtendWith(TestKitJUnit5Extension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RewardActorTest {
    @JUnit5TestKit
    final ActorTestKit kit = new JUnit5TestKitBuilder().build();

    private static final ArithmeticTask TASK = new ArithmeticTask(Tokenizer.standard(), 2, false);
    private static final Prompt PROMPT = TASK.prompt(47, 38, '+', 2);
    private final ExecutorService scorers = Executors.newFixedThreadPool(2);

    @AfterAll
    void stopScorers() {
        scorers.shutdownNow();
    }

    private static Trajectory trajectory(String id, int[] tokens, FinishReason reason) {
        float[] lp = new float[tokens.length];
        Arrays.fill(lp, -0.5f);
        return Trajectory.start(id, PROMPT).append(new Segment(id, 0, tokens, lp, 0, reason));
    }

    private static RewardFunction constant(double value) {
        return new RewardFunction() {
            @Override
            public String name() {
                return "constant";
            }

            @Override
            public double score(Prompt prompt, int[] response) {
                return value;
            }
        };
    }

    private Trajectory score(RewardFunction f, RewardShaping shaping, Trajectory t) {
        var actor = kit.spawn(RewardActor.create(f, shaping, scorers));
        TestProbe<RewardActor.Scored> probe = kit.createTestProbe();
        actor.tell(new RewardActor.Score(t, probe.ref()));
        return probe.receiveMessage().trajectory();
    }

    @Test
    void finishedTrajectory_getsTheVerifiersReward() {
        RewardFunction verifier = RewardFunctions.verifier(TASK);
        Trajectory right = trajectory("g/0", TASK.workedSolution(PROMPT), FinishReason.EOS);
        Trajectory scored = score(verifier, RewardShaping.NONE, right);
        assertEquals(1.0, scored.reward());
        assertEquals(right.segments(), scored.segments(), "scoring keeps the response");
        Trajectory wrong = trajectory("g/1", TASK.tokenizer().encode("<sep>84<eos>"), FinishReason.EOS);
        assertEquals(0.0, score(verifier, RewardShaping.NONE, wrong).reward());
        assertEquals(0.25, score(constant(0.25), RewardShaping.penalties(0, 0, 0.3), wrong).reward(), 1e-12,
                "the repeat penalty only applies to REPEAT-stopped trajectories");
    }

    @Test
    void unfinishedTrajectory_passesThroughUnscored() {
        Trajectory cut = trajectory("g/0", TASK.tokenizer().encode("7+8+0="), FinishReason.TOKEN_BUDGET);
        RewardFunction mustNotRun = new RewardFunction() {
            @Override
            public String name() {
                return "must-not-run";
            }

            @Override
            public double score(Prompt prompt, int[] response) {
                throw new AssertionError("an unfinished trajectory was scored");
            }
        };
        Trajectory out = score(mustNotRun, RewardShaping.penalties(0, 0, 0.5), cut);
        assertFalse(out.scored(), "reward " + out.reward());
        assertEquals(cut, out);
    }

    @Test
    void repeatStoppedTrajectory_getsTheRepeatPenaltySubtracted() {
        Trajectory repeat = trajectory("g/0", TASK.tokenizer().encode("7777"), FinishReason.REPEAT);
        assertEquals(0.75 - 0.25, score(constant(0.75), RewardShaping.penalties(0, 0, 0.25), repeat).reward(), 1e-12);
        assertEquals(-0.25, score(RewardFunctions.verifier(TASK), RewardShaping.penalties(0, 0, 0.25), repeat).reward(), 1e-12);
    }

    @Test
    void throwingRewardFunction_scoresZero_andTheTrajectoryIsNotLost() {
        RewardFunction broken = new RewardFunction() {
            @Override
            public String name() {
                return "broken";
            }

            @Override
            public double score(Prompt prompt, int[] response) {
                throw new IllegalStateException("sandbox exploded");
            }
        };
        var actor = kit.spawn(RewardActor.create(broken, RewardShaping.NONE, scorers));
        TestProbe<RewardActor.Scored> probe = kit.createTestProbe();
        Trajectory t = trajectory("g/0", TASK.workedSolution(PROMPT), FinishReason.EOS);
        LoggingTestKit.warn("reward function 'broken' failed on g/0").withMessageContains("sandbox exploded")
                .expect(kit.system(), () -> {
                    actor.tell(new RewardActor.Score(t, probe.ref()));
                    return null;
                });
        Trajectory out = probe.receiveMessage().trajectory();
        assertEquals("g/0", out.id());
        assertEquals(0.0, out.reward());
        assertEquals(t.segments(), out.segments());
        // The actor keeps serving after a scorer failure.
        actor.tell(new RewardActor.Score(trajectory("g/1", new int[] {Tokenizer.EOS}, FinishReason.EOS), probe.ref()));
        assertEquals(0.0, probe.receiveMessage().trajectory().reward());
        // A reward outside [0, 1] is treated as a scorer failure too.
        assertEquals(0.0, score(constant(1.5), RewardShaping.NONE, t).reward());
        assertEquals(0.0, score(constant(Double.NaN), RewardShaping.NONE, t).reward());
    }

    private static Trajectory scored(String group, int sample, int length, double reward) {
        int[] tokens = new int[length];
        Arrays.fill(tokens, 5);
        tokens[length - 1] = Tokenizer.EOS;
        return trajectory(TrajectoryIds.of(group, sample), tokens, FinishReason.EOS).withReward(reward);
    }

    @Test
    void shapeGroups_appliesTheLengthPenaltyOnlyAfterWarmUp_andKeepsEveryTrajectory() {
        var actor = kit.spawn(RewardActor.create(constant(1), RewardShaping.penalties(0.5, 2, 0), scorers));
        TestProbe<RewardActor.Shaped> probe = kit.createTestProbe();
        List<Trajectory> a = List.of(scored("a", 0, 2, 1), scored("a", 1, 4, 1), scored("a", 2, 6, 0));
        List<Trajectory> b = List.of(scored("b", 0, 3, 0), scored("b", 1, 3, 1));
        List<List<Trajectory>> groups = List.of(a, b);

        actor.tell(new RewardActor.ShapeGroups(groups, 2, probe.ref()));
        List<Trajectory> warm = probe.receiveMessage().trajectories();
        assertEquals(List.of(a.get(0), a.get(1), a.get(2), b.get(0), b.get(1)), warm,
                "at the warm-up's last iteration nothing changes");

        actor.tell(new RewardActor.ShapeGroups(groups, 3, probe.ref()));
        List<Trajectory> shaped = probe.receiveMessage().trajectories();
        assertEquals(List.of("a/0", "a/1", "a/2", "b/0", "b/1"), shaped.stream().map(Trajectory::id).toList());
        // λ = 0.5 − (len − min)/(max − min): lengths 2, 4, 6 → 0.5, 0, −0.5; a wrong answer gets min(0, λ).
        assertEquals(1 + 0.5 * 0.5, shaped.get(0).reward(), 1e-12);
        assertEquals(1.0, shaped.get(1).reward(), 1e-12);
        assertEquals(0 - 0.5 * 0.5, shaped.get(2).reward(), 1e-12);
        // Equal lengths: no penalty.
        assertEquals(0.0, shaped.get(3).reward(), 1e-12);
        assertEquals(1.0, shaped.get(4).reward(), 1e-12);
        for (int i = 0; i < shaped.size(); i++) {
            assertEquals(warm.get(i).segments(), shaped.get(i).segments());
        }

        actor.tell(new RewardActor.ShapeGroups(List.of(), 3, probe.ref()));
        assertTrue(probe.receiveMessage().trajectories().isEmpty());
    }

    @Test
    void noLengthPenaltyWeight_returnsTheGroupUnchanged() {
        RewardShaping none = RewardShaping.penalties(0, 0, 0);
        List<Trajectory> g = List.of(scored("a", 0, 2, 1), scored("a", 1, 5, 1));
        assertSame(g, none.group(g, new boolean[] {true, true}, 10));
    }
}
