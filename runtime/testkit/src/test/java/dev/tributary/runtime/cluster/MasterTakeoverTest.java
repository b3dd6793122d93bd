package dev.tributary.runtime.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import dev.tributary.model.PolicyVersion;
import dev.tributary.runtime.RunResult;
import dev.tributary.runtime.TributaryRun;
import dev.tributary.runtime.internal.checkpoint.CheckpointStore;
import dev.tributary.runtime.job.TinyRuns;
import dev.tributary.runtime.settings.TributarySettings;
import dev.tributary.testkit.Loopback;
import dev.tributary.testkit.ProgressLines;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two nodes carry the master role; the one running the run (the cluster singleton's oldest node) goes away in the
 * middle of it. The singleton moves to the other, which finds the run's checkpoints, has every rollout worker
 * finish or abandon the lost master's work, rewinds to the newest checkpoint and runs the run to its end, with
 * the weights of the run that lost nothing. Here the master's node leaves; {@link FiveNodeRecoveryTest} kills its
 * JVM.
 */
@Tag("slow")
class MasterTakeoverTest {
    private final List<TributaryRun> nodes = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        ClusterNodes.stopAll(nodes);
    }

    private static final String RUN = """
            tributary.run { iterations = 10, checkpoint-every = 1 }
            tributary.cluster.min-rollout-workers = 2
            tributary.trainer.step = dev.tributary.runtime.cluster.HeldTrainerStep
            """;

    private static TributarySettings settings(Path dir, String node, int port, int seed) {
        return TributarySettings.load(ConfigFactory.parseString(RUN + "tributary.run.checkpoint-dir = \""
                + dir.resolve("checkpoints") + "\"").withFallback(ClusterNodes.settings(dir.resolve(node), port, seed)
                .config()));
    }

    @BeforeEach
    @AfterEach
    void holdNothing() {
        HeldTrainerStep.noHold();
    }

    @Test
    void theMastersNodeGoesAway_theStandbyTakesOverFromTheNewestCheckpoint_andTheWeightsAreThoseOfTheWholeRun(
            @TempDir Path dir) throws Exception {
        RunResult whole = TinyRuns.run(dir.resolve("whole"), RUN);
        HeldTrainerStep.holdAt(4);

        int seed = Loopback.freePorts(1)[0];
        ProgressLines lines = new ProgressLines();
        TributaryRun first = ClusterNodes.node(settings(dir, "a", seed, seed), Set.of("master"), lines);
        nodes.add(first);
        ClusterNodes.systemOf(first); // the oldest node with the master role: the singleton starts here
        TributaryRun standby = ClusterNodes.node(settings(dir, "b", 0, seed), Set.of("master"), lines);
        nodes.add(standby);
        nodes.add(ClusterNodes.node(settings(dir, "c", 0, seed), Set.of("replay", "reward", "rollout", "trainer"),
                lines));

        // The trainer holds its fourth step: the master is in iteration 4, three checkpoints written.
        HeldTrainerStep.awaitHeld(Duration.ofMinutes(3), lines::text);
        first.system().terminate(); // leaves the cluster: the singleton hands over to the standby
        first.system().getWhenTerminated().toCompletableFuture().get(1, TimeUnit.MINUTES);
        HeldTrainerStep.release.countDown();

        RunResult r = ClusterNodes.result(standby, 3, lines::text);
        String log = lines.text();
        assertEquals(new PolicyVersion(10), r.version(), log);
        assertTrue(log.contains("this node takes over the run (its master was lost)"), log);
        assertEquals(whole.weights().checksum(), CheckpointStore.at(dir.resolve("checkpoints"), 3).load(10).weights()
                .checksum(), "weights after the run differ from those of the run that lost nothing:\n" + log);
        assertEquals(whole.metrics().get(9).meanReward(), r.metrics().get(r.metrics().size() - 1).meanReward());
    }
}
