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
import dev.tributary.runtime.settings.TributarySettings;
import dev.tributary.testkit.ForkedNodes;
import dev.tributary.testkit.Loopback;
import dev.tributary.testkit.ProgressLines;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Two rollout nodes in their own JVMs, started with {@code tributary node}; one is killed with SIGKILL in the
 * middle of the run, under each driver. The failure detector marks it unreachable, the split brain resolver downs it, work pulling
 * re-sends its unconfirmed batches, the run completes, and the trainer sees every trajectory exactly once.
 */
@Tag("slow")
class KilledRolloutJvmTest {
    private ForkedNodes forked;
    private TributaryRun local;

    @AfterEach
    void stop() throws Exception {
        if (forked != null) {
            forked.close();
        }
        if (local != null) {
            local.close();
        }
    }

    private static final String CLUSTER = """
            pekko.cluster {
              downing-provider-class = "org.apache.pekko.cluster.sbr.SplitBrainResolverProvider"
              split-brain-resolver { active-strategy = keep-majority, stable-after = 3s }
              failure-detector { heartbeat-interval = 500ms, acceptable-heartbeat-pause = 2s }
            }
            tributary.run.iterations = 6
            tributary.rollout.token-budget = 6
            """;

    @ParameterizedTest
    @ValueSource(strings = {"synchronous", "asynchronous"})
    void aRolloutJvmKilledMidRun_isDowned_itsJobsRerun_andEveryTrajectoryTrainedOnce(String driver, @TempDir Path dir)
            throws Exception {
        // The asynchronous driver needs room for the rounds it sends ahead (it refuses a smaller buffer).
        String cluster = CLUSTER + "tributary.master.driver = " + driver + "\ntributary.replay.capacity = 512\n";
        int seed = Loopback.freePorts(1)[0];
        TributarySettings base = ClusterNodes.settings(dir, 0, seed);
        // Every node gets the same settings: the file the forked nodes read holds what this node runs with.
        forked = new ForkedNodes(dir);
        Path conf = forked.writeSettings("node", ConfigFactory.parseString(cluster).withFallback(base.config()));
        List<TrajectoryBatch> batches = new java.util.concurrent.CopyOnWriteArrayList<>();
        Plugins spy = TinyRuns.recordingBatches(batches);
        ProgressLines lines = new ProgressLines();
        TributarySettings settings = TributarySettings.load(ConfigFactory.parseString(cluster + "\n"
                + TinyRuns.RECORDING_STEP + "\npekko.remote.artery.canonical.port = " + seed).withFallback(base.config()));
        local = ClusterNodes.node(settings, Set.of("master", "replay", "reward", "trainer"), lines, spy);
        ForkedNodes.Node doomed = forked.start("rollout-a", "rollout", 0, seed, conf);
        forked.start("rollout-b", "rollout", 0, seed, conf);

        doomed.whileAlive(lines.when(l -> l.startsWith("iter   2")), Duration.ofMinutes(3));
        doomed.kill(); // SIGKILL: no leaving, no goodbye

        RunResult f = ClusterNodes.result(local, 4, lines::text);
        assertEquals(new PolicyVersion(6), f.version(), lines.text());
        List<String> trained = TinyRuns.trainedIds(batches);
        assertEquals(new HashSet<>(trained).size(), trained.size(), "a trajectory was trained twice: " + trained);
        assertTrue(f.metrics().stream().filter(r -> r.iteration() > 3).mapToInt(r -> r.trainedSamples()).sum() > 0,
                "the run went on with the surviving node");
    }
}
