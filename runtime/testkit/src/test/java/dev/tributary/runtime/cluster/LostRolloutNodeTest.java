package dev.tributary.runtime.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import dev.tributary.model.PolicyVersion;
import dev.tributary.model.TrajectoryBatch;
import dev.tributary.runtime.Plugins;
import dev.tributary.runtime.RunResult;
import dev.tributary.runtime.TributaryRun;
import dev.tributary.runtime.job.TinyRuns;
import dev.tributary.runtime.metrics.IterationMetrics;
import dev.tributary.runtime.settings.TributarySettings;
import dev.tributary.testkit.Loopback;
import dev.tributary.testkit.ProgressLines;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Down;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A rollout node leaves the cluster while the run is going: work pulling re-sends its unconfirmed batches to the
 * other workers, the replay buffer drops what the lost node had already delivered, the run completes, and the
 * trainer sees every trajectory exactly once.
 */
@Tag("slow")
class LostRolloutNodeTest {
    private final List<TributaryRun> nodes = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        ClusterNodes.stopAll(nodes);
    }

    private static TributarySettings settings(Path out, int port, int seed) {
        return TributarySettings.load(ConfigFactory.parseString("tributary.run.iterations = 6\n"
                + "tributary.rollout.token-budget = 6\n" + TinyRuns.RECORDING_STEP).withFallback(ClusterNodes.settings(out, port, seed).config()));
    }

    @Test
    void aRolloutNodeLostMidRun_itsJobsAreRerunElsewhere_andEveryTrajectoryIsTrainedOnce(@TempDir Path dir)
            throws Exception {
        int seed = Loopback.freePorts(1)[0];
        List<TrajectoryBatch> batches = new java.util.concurrent.CopyOnWriteArrayList<>();
        Plugins spy = TinyRuns.recordingBatches(batches);
        ProgressLines lines = new ProgressLines();
        TributaryRun master = ClusterNodes.node(settings(dir, seed, seed), Set.of("master", "replay", "reward"),
                lines, spy);
        nodes.add(master);
        nodes.add(ClusterNodes.node(settings(dir, 0, seed), Set.of("trainer"), lines, spy));
        nodes.add(ClusterNodes.node(settings(dir, 0, seed), Set.of("rollout"), lines, spy));
        TributaryRun doomed = ClusterNodes.node(settings(dir, 0, seed), Set.of("rollout"), lines, spy);
        nodes.add(doomed);

        lines.await(l -> l.startsWith("iter   2"), Duration.ofMinutes(2));
        // Iteration 3 is rolling out: the node is downed, as the split brain resolver downs an unreachable node, and
        // goes with its share of the jobs unanswered.
        Cluster.get(ClusterNodes.systemOf(master)).manager().tell(new Down(Cluster.get(ClusterNodes.systemOf(doomed))
                .selfMember().address()));
        doomed.close();

        RunResult f = ClusterNodes.result(master, 3, lines::text);
        assertEquals(new PolicyVersion(6), f.version(), lines.text());
        List<String> trained = TinyRuns.trainedIds(batches);
        Set<String> unique = new HashSet<>(trained);
        assertEquals(unique.size(), trained.size(), "a trajectory was trained twice: " + trained);
        assertTrue(trained.size() > 0);
        int after = f.metrics().stream().filter(r -> r.iteration() > 3).mapToInt(IterationMetrics::trainedSamples).sum();
        assertTrue(after > 0, "the run went on training with the remaining node");
    }
}
