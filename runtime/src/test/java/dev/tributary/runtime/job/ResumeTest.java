package dev.tributary.runtime.job;

import dev.tributary.runtime.RunSpec;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tributary.model.PolicyVersion;
import dev.tributary.runtime.RunResult;
import dev.tributary.runtime.Tributary;
import dev.tributary.runtime.TributaryRun;
import dev.tributary.runtime.internal.checkpoint.Checkpoint;
import dev.tributary.runtime.internal.checkpoint.CheckpointStore;
import dev.tributary.runtime.metrics.IterationMetrics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Checkpoint then resume gives the same next iteration as an uninterrupted run with the same seed: the same
 * prompts, the same resumed partial trajectories, the same rewards, and bit-identical weights after it.
 */
class ResumeTest {
    private static RunResult run(Path out, String extra, List<String> lines) throws Exception {
        try (TributaryRun run = Tributary.start(RunSpec.of(TinyRuns.settings(out, extra)).withProgress(lines::add))) {
            return TinyRuns.await(run);
        }
    }

    @Test
    void resumedRun_repeatsTheUninterruptedOne(@TempDir Path dir) throws Exception {
        RunResult whole = run(dir.resolve("whole"), "", new ArrayList<>());

        Path split = dir.resolve("split");
        List<String> firstLines = new ArrayList<>();
        RunResult first = run(split, "tributary.run.iterations = 2", firstLines);
        assertEquals(2, first.lastIteration());
        Checkpoint saved = new CheckpointStore(split, 3).latestOrEmpty().orElseThrow();
        assertEquals(2, saved.iteration());
        assertTrue(saved.replay().stream().anyMatch(t -> !t.finished()),
                "a 12-token budget must leave unfinished trajectories in the checkpointed replay buffer");
        assertFalse(saved.samplerStats().isEmpty(), "sampler statistics are checkpointed: " + firstLines);

        List<String> lines = new ArrayList<>();
        // Without checkpoints of its own, the resumed run still reads the one it resumes from.
        RunResult resumed = run(split, "tributary.run { iterations = 3, resume = true, checkpoint-every = 0 }", lines);
        assertTrue(lines.get(0).startsWith("resuming " + split + " after iteration 2"), lines.get(0));
        assertEquals(3, resumed.firstIteration());
        assertEquals(new PolicyVersion(3), resumed.version());
        assertEquals(whole.sftAccuracy(), resumed.sftAccuracy(), "the SFT starting point is read back");

        IterationMetrics a = whole.metrics().get(2);
        IterationMetrics b = resumed.metrics().get(2);
        assertEquals(3, b.iteration());
        assertTrue(b.meanResponseLength() > 0, "iteration 3 trains on complete groups");
        assertEquals(a.meanReward(), b.meanReward());
        assertEquals(a.meanResponseLength(), b.meanResponseLength());
        assertEquals(a.heldOutAccuracy(), b.heldOutAccuracy());
        assertEquals(a.partial(), b.partial());
        assertEquals(a.resumed(), b.resumed());
        assertTrue(b.resumed() > 0, "iteration 3 resumes trajectories cut before the checkpoint");
        assertEquals(whole.weights().checksum(), resumed.weights().checksum(), "weights after iteration 3 differ");
        assertArrayEquals(whole.weights().values(), resumed.weights().values());
        assertEquals(3, resumed.metrics().size(), "metrics of the first process are kept, not duplicated");
        assertTrue(Files.size(split.resolve("curves.png")) > 0);
    }
}
