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
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Two rollout nodes in their own JVMs, started with {@code tributary node}; one is killed with SIGKILL in the
 * middle of the run, under each driver. The failure detector marks it unreachable, the split brain resolver downs it, work pulling
 * re-sends its unconfirmed batches, the run completes, and the trainer sees every trajectory exactly once.
 */
class KilledRolloutJvmTest {
    private final List<Process> processes = new ArrayList<>();
    private TributaryRun local;

    @AfterEach
    void stop() throws Exception {
        processes.forEach(Process::destroyForcibly);
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

    private Process rolloutJvm(Path config, int seed, Path log) throws Exception {
        Process p = ClusterNodes.forkNode("rollout", 0, seed, config, log);
        processes.add(p);
        return p;
    }

    @ParameterizedTest
    @ValueSource(strings = {"synchronous", "asynchronous"})
    void aRolloutJvmKilledMidRun_isDowned_itsJobsRerun_andEveryTrajectoryTrainedOnce(String driver, @TempDir Path dir)
            throws Exception {
        // The asynchronous driver needs room for the rounds it sends ahead (it refuses a smaller buffer).
        String cluster = CLUSTER + "tributary.master.driver = " + driver + "\ntributary.replay.capacity = 512\n";
        int seed = ClusterNodes.freePort();
        TributarySettings base = ClusterNodes.settings(dir, 0, seed);
        // Every node gets the same settings: the file the forked nodes read holds what this node runs with.
        Path conf = dir.resolve("node.conf");
        ClusterNodes.writeForkedConfig(conf, ConfigFactory.parseString(cluster).withFallback(base.config()));
        List<TrajectoryBatch> batches = new java.util.concurrent.CopyOnWriteArrayList<>();
        Plugins spy = TinyRuns.recordingBatches(batches);
        List<String> lines = Collections.synchronizedList(new ArrayList<>());
        TributarySettings settings = TributarySettings.load(ConfigFactory.parseString(cluster + "\n"
                + TinyRuns.RECORDING_STEP + "\npekko.remote.artery.canonical.port = " + seed).withFallback(base.config()));
        local = ClusterNodes.node(settings, Set.of("master", "replay", "reward", "trainer"), lines, spy);
        Process doomed = rolloutJvm(conf, seed, dir.resolve("rollout-a.log"));
        rolloutJvm(conf, seed, dir.resolve("rollout-b.log"));

        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        while (lines.stream().noneMatch(l -> l.startsWith("iter   2")) && System.nanoTime() < deadline) {
            assertTrue(doomed.isAlive(), "the rollout JVM died by itself: " + Files.readString(dir.resolve("rollout-a.log")));
            Thread.sleep(20);
        }
        doomed.destroyForcibly(); // SIGKILL: no leaving, no goodbye
        doomed.waitFor(30, TimeUnit.SECONDS);

        RunResult f = ClusterNodes.result(local, 4, lines);
        assertEquals(new PolicyVersion(6), f.version(), String.join("\n", lines));
        List<String> trained = TinyRuns.trainedIds(batches);
        assertEquals(new HashSet<>(trained).size(), trained.size(), "a trajectory was trained twice: " + trained);
        assertTrue(f.metrics().stream().filter(r -> r.iteration() > 3).mapToInt(r -> r.trainedSamples()).sum() > 0,
                "the run went on with the surviving node");
    }
}
