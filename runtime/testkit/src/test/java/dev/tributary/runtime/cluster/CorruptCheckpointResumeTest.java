package dev.tributary.runtime.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import dev.tributary.model.PolicyVersion;
import dev.tributary.runtime.RunResult;
import dev.tributary.runtime.RunSpec;
import dev.tributary.runtime.Tributary;
import dev.tributary.runtime.TributaryRun;
import dev.tributary.runtime.internal.checkpoint.CheckpointStore;
import dev.tributary.runtime.job.TinyRuns;
import dev.tributary.runtime.metrics.IterationMetrics;
import dev.tributary.runtime.settings.TributarySettings;
import dev.tributary.testkit.Loopback;
import dev.tributary.testkit.ProgressLines;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A flipped byte in the newest checkpoint: {@code --resume} reports it in one line and continues from the one
 * before, in one JVM and across nodes, and ends with the weights of the run that was never interrupted.
 */
@Tag("slow")
class CorruptCheckpointResumeTest {
    private final List<TributaryRun> nodes = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        ClusterNodes.stopAll(nodes);
    }

    private static final String EVERY = "tributary.run.checkpoint-every = 1\n";

    /** Flips one byte in the middle of the trainer's part of checkpoint {@code iteration}. */
    private static void flipAByte(Path checkpoints, int iteration) throws IOException {
        Path part = checkpoints.resolve("iter-" + iteration).resolve("trainer.bin");
        byte[] bytes = Files.readAllBytes(part);
        bytes[bytes.length / 2] ^= 0x40;
        Files.write(part, bytes);
    }

    private static List<Double> rewards(RunResult r) {
        return r.metrics().stream().map(IterationMetrics::meanReward).toList();
    }

    @Test
    void inOneJvm_theDamagedNewestIsReported_andTheRunGoesOnFromTheOneBefore(@TempDir Path dir) throws Exception {
        RunResult whole = TinyRuns.run(dir.resolve("whole"), EVERY + "tributary.run.iterations = 4");
        Path out = dir.resolve("split");
        TinyRuns.run(out, EVERY + "tributary.run.iterations = 3");
        flipAByte(out.resolve("checkpoints"), 3);

        List<String> lines = Collections.synchronizedList(new ArrayList<>());
        RunResult resumed;
        try (TributaryRun run = Tributary.start(RunSpec.of(TinyRuns.settings(out, EVERY
                + "tributary.run { iterations = 4, resume = true }")).withProgress(lines::add))) {
            resumed = TinyRuns.await(run);
        }
        // One line for the damaged checkpoint, naming it, then the resume from the one before.
        assertTrue(lines.get(0).contains("iter-3") && lines.get(0).endsWith("; trying the one before")
                && !lines.get(0).contains("\n"), lines.get(0));
        assertTrue(lines.get(1).startsWith("resuming " + out + " after iteration 2"), lines.get(1));
        assertEquals(3, resumed.firstIteration(), String.join("\n", lines));
        assertEquals(whole.weights().checksum(), resumed.weights().checksum(), "weights after iteration 4 differ");
        assertEquals(rewards(whole), rewards(resumed), "the metrics of iteration 3 are those of the run that "
                + "lost nothing");
    }

    @Test
    void acrossNodes_theMasterAndTheTrainersNodeSkipTheSameDamagedCheckpoint(@TempDir Path dir) throws Exception {
        RunResult whole = TinyRuns.run(dir.resolve("whole"), EVERY
                + "tributary.run.iterations = 4\ntributary.cluster.min-rollout-workers = 2");
        Path out = dir.resolve("split");
        ProgressLines lines = new ProgressLines();
        RunResult first = runAcrossTwoNodes(out, "tributary.run.iterations = 3", lines);
        assertEquals(new PolicyVersion(3), first.version(), lines.text());
        ClusterNodes.stopAll(nodes);
        nodes.clear();
        flipAByte(out.resolve("checkpoints"), 3);

        lines.clear();
        RunResult resumed = runAcrossTwoNodes(out, "tributary.run { iterations = 4, resume = true }", lines);
        String log = lines.text();
        assertEquals(new PolicyVersion(4), resumed.version(), log);
        assertTrue(log.contains("iter-3") && log.contains("; trying the one before"), log);
        assertTrue(log.contains("resuming " + out + " after iteration 2"), log);
        assertEquals(whole.weights().checksum(), CheckpointStore.at(out.resolve("checkpoints"), 3).load(4).weights()
                .checksum(), "weights after iteration 4 differ");
        assertEquals(rewards(whole), rewards(resumed), log);
    }

    /** The master's node (with replay, reward and two rollout workers) and the trainer's node, in this JVM. */
    private RunResult runAcrossTwoNodes(Path out, String extra, ProgressLines lines) throws Exception {
        int seed = Loopback.freePorts(1)[0];
        String run = EVERY + extra + "\ntributary.cluster.min-rollout-workers = 2\n";
        TributaryRun master = ClusterNodes.node(TributarySettings.load(ConfigFactory.parseString(run)
                .withFallback(ClusterNodes.settings(out, seed, seed).config())),
                Set.of("master", "replay", "reward", "rollout"), lines);
        nodes.add(master);
        nodes.add(ClusterNodes.node(TributarySettings.load(ConfigFactory.parseString(run)
                .withFallback(ClusterNodes.settings(out, 0, seed).config())), Set.of("trainer"), lines));
        return ClusterNodes.result(master, 3, lines::text);
    }
}
