package dev.tributary.runtime.reward;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tributary.model.reward.RewardModel;
import dev.tributary.model.reward.RewardModelFile;
import dev.tributary.model.reward.RewardModelShape;
import dev.tributary.model.token.Tokenizer;
import dev.tributary.runtime.RunResult;
import dev.tributary.runtime.RunSpec;
import dev.tributary.runtime.Tributary;
import dev.tributary.runtime.TributaryRun;
import dev.tributary.runtime.job.TinyRuns;
import dev.tributary.runtime.metrics.IterationMetrics;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code learned} reward function in an embedded run: its reward-model role beside the reward actor. */
class LearnedRewardRunTest {
    static final Pattern SERVED = Pattern.compile("reward model served ([\\d,]+) requests in ([\\d,]+) batches.*");

    /** An (untrained) reward model of the arithmetic task, saved where a run can load it. */
    static Path savedModel(Path dir, String task) {
        Tokenizer t = Tokenizer.standard();
        RewardModel m = RewardModel.create(new RewardModelShape(t.vocabSize(), 48, 4, 8, 5), task, t, 1e-3, 1);
        Path file = dir.resolve(task + "-rm.bin");
        RewardModelFile.save(m, file, Map.of());
        return file;
    }

    /** Requests and batches from the role's closing line; fails when the role never reported. */
    static long[] served(List<String> lines) {
        synchronized (lines) {
            for (String l : lines) {
                Matcher m = SERVED.matcher(l);
                if (m.matches()) {
                    return new long[] {Long.parseLong(m.group(1).replace(",", "")),
                        Long.parseLong(m.group(2).replace(",", ""))};
                }
            }
        }
        throw new AssertionError("no reward-model role reported; lines:\n" + String.join("\n", lines));
    }

    /** True when some iteration's mean reward is not a verifier's: a multiple of 1/(2n) over n samples. */
    static boolean fractionalRewards(RunResult r, int samples) {
        for (IterationMetrics m : r.metrics()) {
            double scaled = m.meanReward() * 2 * samples;
            if (Math.abs(scaled - Math.rint(scaled)) > 1e-6) {
                return true;
            }
        }
        return false;
    }

    @Test
    void learnedReward_scoresAnEmbeddedRunThroughTheRewardModelRole(@TempDir Path dir) throws Exception {
        Path model = savedModel(dir, "arithmetic");
        List<String> lines = Collections.synchronizedList(new ArrayList<>());
        RunResult r;
        try (TributaryRun run = Tributary.start(RunSpec.of(TinyRuns.config(dir.resolve("run"), """
                tributary.reward.function = learned
                tributary.reward.learned.path = "%s"
                """.formatted(model))).withProgress(lines::add))) {
            r = TinyRuns.await(run);
            run.stopped().toCompletableFuture().get(1, java.util.concurrent.TimeUnit.MINUTES); // the role reports
        }
        assertEquals(3, r.metrics().size());
        assertTrue(fractionalRewards(r, 16), "the rewards are the model's probabilities, not 0/1: "
                + r.metrics().stream().map(IterationMetrics::meanReward).toList());
        long[] served = served(lines);
        long finished = r.metrics().stream().mapToLong(IterationMetrics::trainedSamples).sum();
        assertTrue(served[0] >= 3 * 16 - 16 && served[0] > 0, "every finished trajectory was scored by the role: "
                + served[0] + " (trained " + finished + ")");
        assertTrue(served[1] < served[0], "requests were batched: " + served[0] + " in " + served[1] + " batches");
        assertTrue(lines.stream().anyMatch(l -> l.matches("learned reward, last 16 responses: model P\\(correct\\) "
                + "0\\.\\d+, verifier [01]\\.\\d+, gap [-+]\\d\\.\\d+, agreement \\d+\\.\\d%")),
                "the run reports the model against the verifier: " + lines);
    }

    @Test
    void aModelOfAnotherTaskOrAMissingPath_isRefusedAtStartInOneLine(@TempDir Path dir) {
        Path other = savedModel(dir, "code");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Tributary.start(
                RunSpec.of(TinyRuns.config(dir.resolve("a"), "tributary.reward.function = learned\n"
                        + "tributary.reward.learned.path = \"" + other + "\""))));
        assertEquals("reward model file " + other + " is a reward model of task 'code', but this run's task is "
                + "'arithmetic'", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Tributary.start(RunSpec.of(TinyRuns.config(
                dir.resolve("b"), "tributary.reward.function = learned"))));
        assertTrue(e.getMessage().startsWith("tributary.reward.learned.path = \"\": expected the path of a saved "
                + "reward model"), e.getMessage());
        Path missing = dir.resolve("nowhere.bin");
        e = assertThrows(IllegalArgumentException.class, () -> Tributary.start(RunSpec.of(TinyRuns.config(
                dir.resolve("c"), "tributary.reward.function = learned\ntributary.reward.learned.path = \""
                        + missing + "\""))));
        assertEquals("reward model file " + missing + " does not exist", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Tributary.start(RunSpec.of(TinyRuns.config(
                dir.resolve("d"), "tributary.reward-model.serve.max-batch = 0"))));
        assertFalse(e.getMessage().contains("\n"));
    }
}
