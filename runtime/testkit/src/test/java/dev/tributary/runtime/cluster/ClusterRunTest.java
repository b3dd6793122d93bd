package dev.tributary.runtime.cluster;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.tributary.model.PolicyVersion;
import dev.tributary.runtime.RunResult;
import dev.tributary.runtime.RunSpec;
import dev.tributary.runtime.Tributary;
import dev.tributary.runtime.TributaryRun;
import dev.tributary.runtime.internal.metrics.MetricsWriter;
import dev.tributary.runtime.internal.metrics.ProgressLine;
import dev.tributary.runtime.internal.metrics.RunFiles;
import dev.tributary.runtime.metrics.IterationMetrics;
import dev.tributary.runtime.settings.SettingsException;
import dev.tributary.runtime.settings.TributarySettings;
import dev.tributary.testkit.Loopback;
import dev.tributary.testkit.ProgressLines;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.pekko.actor.typed.ActorSystem;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run over six nodes of a real cluster on 127.0.0.1 (one JVM, six ActorSystems over Artery, every message
 * through the Kryo serializer): master, replay, reward, trainer, and two rollout nodes with two workers each.
 * Rollout batches go out by work pulling, segments cross through StreamRefs, weights in checked chunks. The node
 * running the master writes the run's files as the embedded run does; the others write nothing into the out-dir.
 */
@Tag("slow")
class ClusterRunTest {
    private final List<TributaryRun> nodes = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        ClusterNodes.stopAll(nodes);
    }

    @Test
    void aRunAcrossSixNodes_learnsLikeTheSingleJvmRun_andEveryRolloutNodeHoldsTheTrainersWeights(@TempDir Path dir,
            @TempDir Path embeddedDir) throws Exception {
        int seed = Loopback.freePorts(1)[0];
        ProgressLines lines = new ProgressLines();
        TributaryRun master = ClusterNodes.node(ClusterNodes.settings(dir, seed, seed), Set.of("master"), lines);
        nodes.add(master);
        nodes.add(ClusterNodes.node(ClusterNodes.settings(dir, 0, seed), Set.of("replay"), lines));
        nodes.add(ClusterNodes.node(ClusterNodes.settings(dir, 0, seed), Set.of("reward"), lines));
        TributaryRun trainer = ClusterNodes.node(ClusterNodes.settings(dir, 0, seed), Set.of("trainer"), lines);
        nodes.add(trainer);
        TributaryRun rolloutA = ClusterNodes.node(ClusterNodes.settings(dir, 0, seed), Set.of("rollout"), lines);
        TributaryRun rolloutB = ClusterNodes.node(ClusterNodes.settings(dir, 0, seed), Set.of("rollout"), lines);
        nodes.add(rolloutA);
        nodes.add(rolloutB);

        RunResult f = ClusterNodes.result(master, 3, lines::text);
        assertEquals(new PolicyVersion(3), f.version());
        assertEquals(3, f.metrics().size(), lines.text());
        assertTrue(f.metrics().stream().mapToInt(IterationMetrics::trainedSamples).sum() > 0, "it trained");
        // After every sync (v0 after SFT, then one per iteration) each rollout node held exactly what the trainer
        // published, by checksum; after the last one, value for value.
        var published = trainer.weightChecksums();
        assertEquals(List.of(0L, 1L, 2L, 3L), published.keySet().stream().map(PolicyVersion::number).sorted().toList());
        for (TributaryRun r : List.of(rolloutA, rolloutB)) {
            assertEquals(published, r.weightChecksums(), "a rollout node's weights after a sync differ from the "
                    + "trainer's");
            assertArrayEquals(trainer.weights().values(), r.weights().values(),
                    "a rollout node's weights differ from the trainer's after the last sync");
        }

        // The master's node wrote the embedded run's files into the out-dir all six nodes were given; no other
        // node wrote anything there.
        try (var files = Files.list(dir)) {
            assertEquals(Set.of("metrics.csv", "metrics.jsonl", "curves.png", "run.properties", "settings.conf"),
                    files.map(p -> p.getFileName().toString()).collect(Collectors.toSet()));
        }
        assertEquals(List.of(1, 2, 3), MetricsWriter.read(dir).stream().map(IterationMetrics::iteration).toList());
        assertEquals(3, Files.readAllLines(dir.resolve(MetricsWriter.JSONL)).size());
        assertEquals(f.metrics().stream().map(IterationMetrics::trainedSamples).toList(),
                master.metrics().stream().map(IterationMetrics::trainedSamples).toList());
        assertTrue(Files.size(dir.resolve("curves.png")) > 0);
        List<String> progress = lines.snapshot().stream().filter(l -> l.startsWith("iter ")).toList();
        assertEquals(master.metrics().stream().map(ProgressLine::format).toList(), progress);
        // The SFT accuracy the trainer's node measured reached the master's node: run.properties and the plot's
        // reference line.
        assertTrue(trainer.sftAccuracy() >= 0, "the trainer's node measured the SFT starting point");
        assertEquals(trainer.sftAccuracy(), master.sftAccuracy());
        assertEquals(trainer.sftAccuracy(), RunFiles.readSftAccuracy(dir));
        for (TributaryRun n : nodes.subList(1, nodes.size())) {
            assertEquals(List.of(), n.metrics(), "only the master's node records the run");
        }

        // The same settings in one JVM (every role in one ActorSystem, two workers instead of four, nothing
        // serialized) learn exactly the same: every random stream depends on the seed and the trajectory id only.
        Config local = ConfigFactory.parseString("pekko.actor.provider = local, pekko.cluster.seed-nodes = [], "
                + "tributary.cluster.min-rollout-workers = 1")
                .withFallback(ClusterNodes.settings(embeddedDir, 0, seed).config());
        try (var embedded = Tributary.start(RunSpec.of(TributarySettings.load(local)))) {
            embedded.result().toCompletableFuture().get(3, TimeUnit.MINUTES);
            List<IterationMetrics> single = embedded.metrics();
            assertEquals(3, single.size());
            for (int i = 0; i < 3; i++) {
                IterationMetrics c = master.metrics().get(i);
                IterationMetrics e = single.get(i);
                assertEquals(e.meanReward(), c.meanReward(), "mean reward of iteration " + (i + 1));
                assertEquals(e.heldOutAccuracy(), c.heldOutAccuracy(), "held-out accuracy of iteration " + (i + 1));
                assertEquals(e.meanResponseLength(), c.meanResponseLength(), "mean length of iteration " + (i + 1));
                assertEquals(e.trainedSamples(), c.trainedSamples(), "trained samples of iteration " + (i + 1));
            }
        }
    }

    @Test
    void aNodeThatMayRunTheMaster_refusesAnOutDirHoldingARun_andResume_beforeStarting(@TempDir Path dir)
            throws Exception {
        Files.writeString(dir.resolve(RunFiles.RUN_FILE), "seed=5\n");
        var e = assertThrows(SettingsException.class,
                () -> ClusterNodes.node(ClusterNodes.settings(dir, 0, 1), Set.of("master"), line -> { }));
        assertEquals("tributary.run.out-dir", e.path());
        var resume = assertThrows(SettingsException.class, () -> ClusterNodes.node(TributarySettings.load(
                ConfigFactory.parseString("tributary.run.resume = true").withFallback(ClusterNodes.settings(dir.resolve("new"), 0, 1)
                        .config())), Set.of("master", "replay"), line -> { }));
        assertEquals("tributary.run.resume", resume.path());
    }
}
