package dev.tributary.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tributary.runtime.metrics.IterationMetrics;
import java.time.Duration;
import org.apache.pekko.actor.testkit.typed.annotations.JUnit5TestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.JUnit5TestKitBuilder;
import org.apache.pekko.actor.testkit.typed.javadsl.TestKitJUnit5Extension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The real runtime in the test kit's own ActorSystem under a long-tailed synthetic load: responses cut by the token
 * budget and resumed, engines crashing and re-running their batches, stragglers, failing and slow rewards.
 */
@ExtendWith(TestKitJUnit5Extension.class)
class OneSystemLoadTest {
    @JUnit5TestKit
    final ActorTestKit testKit = new JUnit5TestKitBuilder().build();

    private static final Duration MINUTE = Duration.ofMinutes(1);

    @Test
    void longTailedCrashingRollouts_trainEveryTrajectoryExactlyOnce() {
        LoadProfile profile = LoadProfile.builder().workers(12).slots(8).promptsPerIteration(12).samplesPerPrompt(4)
                .iterations(4).responseTokens("lognormal(median=40, sigma=1.0)").tokenBudget(48).maxResponseTokens(400)
                .timeToFirstTokenMs("uniform(min=0, max=2)").timePerToken(Duration.ofNanos(20_000))
                .rolloutFailureRate(0.03).hangs(0.02, Duration.ofMillis(50))
                .rewardLatencyMs("exponential(mean=0.5)").rewardFailureRate(0.02)
                .trainTimePerToken(Duration.ofNanos(500)).build();
        java.util.List<org.apache.pekko.actor.typed.ActorSystem<?>> systems;
        try (LoadTest load = LoadTest.start(testKit, profile)) {
            IterationMetrics first = load.iterations().awaitIteration(1, MINUTE);
            assertEquals(1, first.iteration());
            assertEquals(2, load.iterations().next(MINUTE).iteration());
            assertEquals(4, load.iterations().awaitIteration(4, MINUTE).iteration());
            LoadReport r = load.awaitReport(MINUTE);
            r.assertNoLoss();
            systems = load.systems();
            assertEquals(1, systems.size());

            assertEquals(4, r.iterations().size());
            LoadReport.ExactlyOnce x = r.exactlyOnce();
            assertEquals(4 * 12 * 4, x.started(), "every fresh trajectory of every iteration had a job");
            assertEquals(x.started(), x.trained() + x.heldAtEnd(), "trained, or still in the buffer at the end");
            assertEquals(r.trainedTrajectories(), x.trained(), "the runtime's count of trained samples agrees");
            assertTrue(r.iterations().stream().mapToInt(IterationMetrics::partial).sum() > 0, "responses were cut");
            assertTrue(r.iterations().stream().mapToInt(IterationMetrics::resumed).sum() > 0, "and resumed");
            assertTrue(r.synthetic().engineCrashes() > 0 && x.copiesEmitted() > 0, "crashed engines re-ran batches");
            assertEquals(x.copiesEmitted(), x.copiesDropped(), "the replay buffer dropped every copy");
            assertTrue(r.synthetic().hangs() > 0 && r.synthetic().rewardFailures() > 0);
            assertEquals("shared parameters (one JVM: nothing copied)", r.weightSync().mode());
            assertTrue(r.resources().liveFixedBytes() > 0 && r.resources().liveInFlightBytes() > 0,
                    "the live heap was read in the first iteration");
            assertTrue(r.table().contains("lost / duplicated                        | 0 / 0"), r.table());
            // Something queued up, and it was measured: a trajectory was in a segment stream, mailboxes held more
            // than one message. Resumed responses carry segments of the version before (partial rollouts).
            LoadReport.Buffers b = r.buffers();
            assertTrue(b.streamHighWater() >= 1 && b.streamHighWater() <= x.started() * 4L, r.table());
            assertTrue(!b.mailboxes().isEmpty() && b.mailboxes().get(0).messages() >= 2, r.table());
            assertTrue(r.staleness().tokens() > 0 && r.staleness().tokensByAge().containsKey(1), r.table());
        }
        assertTrue(systems.get(0).getWhenTerminated().toCompletableFuture().isDone(), "the run's system is gone");
        assertTrue(!testKit.system().getWhenTerminated().toCompletableFuture().isDone(), "the test's is not");
    }

    @Test
    void theAsynchronousDriver_reportsTheStalenessOfTrainedTokens_andTheQueuesHighWaterMarks() {
        LoadProfile profile = LoadProfile.builder().workers(8).promptsPerIteration(8).samplesPerPrompt(4).iterations(4)
                .responseTokens("lognormal(median=30, sigma=0.5)").tokenBudget(64).maxResponseTokens(64)
                .timePerToken(Duration.ofNanos(20_000)).trainTimePerToken(Duration.ofNanos(2_000))
                .settings("tributary.master { driver = asynchronous, asynchronous.max-staleness = 1 }\n"
                        + "tributary.replay.capacity = 512").build();
        try (LoadTest load = LoadTest.start(testKit, profile)) {
            LoadReport r = load.awaitReport(MINUTE).assertNoLoss();
            System.out.println(r.table());
            LoadReport.Staleness st = r.staleness();
            // Rounds are generated while earlier ones train: tokens one version old are trained.
            assertTrue(st.max() >= 1, r.table());
            assertTrue(st.p50() <= st.p99() && st.p99() <= st.max(), r.table());
            assertEquals(st.tokens(), st.tokensByAge().values().stream().mapToLong(Long::longValue).sum());
            // Every training step's staleness, as the runtime reported it, lies within the run's.
            for (IterationMetrics m : r.iterations()) {
                assertTrue(m.stalenessMax() <= st.max(), "iteration " + m.iteration() + ": " + m.stalenessMax()
                        + " > " + st.max());
            }
            assertTrue(r.buffers().streamHighWater() >= 1, r.table());
            assertTrue(r.table().contains("staleness p50 / p99 / max") && r.table().contains("mailbox high-water"),
                    r.table());
        }
    }

    @Test
    void theProbe_failsAtOnceWithTheRunsEnd_whenAskedForAnIterationThatWillNotCome() {
        LoadProfile profile = LoadProfile.builder().workers(2).promptsPerIteration(2).samplesPerPrompt(2).iterations(1)
                .build();
        try (LoadTest load = LoadTest.start(testKit, profile)) {
            load.awaitReport(MINUTE).assertNoLoss();
            AssertionError e = assertThrows(AssertionError.class,
                    () -> load.iterations().awaitIteration(2, MINUTE));
            assertEquals("the load test's run ended before iteration 2: it reached its last iteration ([1] recorded)",
                    e.getMessage());
            assertEquals(1, load.iterations().awaitIteration(1, MINUTE).iteration(), "a passed one is still there");
            assertEquals("fault down-node: expected a load test over systems >= 3; in one ActorSystem the run cannot "
                    + "lose a worker and go on", assertThrows(IllegalStateException.class,
                    () -> load.inject(Fault.DOWN_NODE)).getMessage());
        }
    }
}
