package dev.tributary.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.pekko.actor.testkit.typed.annotations.JUnit5TestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.JUnit5TestKitBuilder;
import org.apache.pekko.actor.testkit.typed.javadsl.TestKitJUnit5Extension;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The run over five ActorSystems on 127.0.0.1 (a head with the master, replay buffer, reward and trainer; four rollout
 * nodes of two workers), weights broadcast in chunks, while one rollout node loses a worker, one is downed and one
 * terminated: the run goes on with the last node, and every trajectory is trained once.
 */
@Tag("slow")
@ExtendWith(TestKitJUnit5Extension.class)
class ClusterLoadTest {
    @JUnit5TestKit
    final ActorTestKit testKit = new JUnit5TestKitBuilder().build();

    @Test
    void losingThreeOfFourRolloutNodesMidRun_losesAndDuplicatesNothing() {
        LoadProfile profile = LoadProfile.builder().systems(5).workers(8).slots(4).promptsPerIteration(16)
                .samplesPerPrompt(4).iterations(3).responseTokens("lognormal(median=30, sigma=0.8)").tokenBudget(40)
                .maxResponseTokens(200).timePerToken(Duration.ofNanos(300_000)).rolloutFailureRate(0.01)
                .rewardLatencyMs("constant(value=0.2)").weightsMb(1)
                .fault(Fault.STOP_WORKER, 30, 1).fault(Fault.DOWN_NODE, 30, 1).fault(Fault.TERMINATE_SYSTEM, 30, 1)
                .build();
        try (LoadTest load = LoadTest.start(testKit, profile)) {
            assertEquals(5, load.systems().size());
            load.iterations().awaitIteration(1, Duration.ofMinutes(2));
            LoadReport r = load.awaitReport(Duration.ofMinutes(3));
            r.assertNoLoss();

            assertEquals(3, r.iterations().size());
            assertEquals(3 * 16 * 4, r.exactlyOnce().started());
            assertEquals(Set.of(Fault.values()), r.faults().stream().map(LoadReport.FaultEvent::kind)
                    .collect(Collectors.toSet()), r.table());
            r.faults().forEach(f -> assertFalse(f.outcome().startsWith("skipped"), r.table()));
            assertEquals(3, r.faults().stream().map(LoadReport.FaultEvent::node).distinct().count(), "three nodes hit");
            assertEquals(6, r.faults().stream().mapToInt(LoadReport.FaultEvent::workersLost).sum());
            assertTrue(r.weightSync().mode().startsWith("broadcast"), r.weightSync().mode());
            assertTrue(r.weightSync().checked() > 0, "the last rollout node loaded every version");
            assertEquals(0, r.weightSync().mismatches(), "and held exactly what the trainer published");
            assertTrue(r.synthetic().weightsBytes() > 1_000_000, "about a MiB of weights per version");
        }
    }
}
