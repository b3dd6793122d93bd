package dev.tributary.runtime.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import dev.tributary.runtime.settings.TributarySettings;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code tributary train}'s runner end to end on a tiny run: progress lines, the summary, the files. */
class TrainRunTest {
    private static final String TINY = """
            tributary {
              model { context-length = 40, d-model = 32, heads = 4, layers = 1, ff-hidden = 64 }
              task.arithmetic.max-digits = 2
              run { iterations = 2, checkpoint-every = 1 }
              sft { steps = 100, batch-size = 16 }
              sampler { prompts-per-iteration = 2, samples-per-prompt = 4, pool-size = 40 }
              rollout { workers = 1, slots = 8 }
              trainer { minibatch-size = 8 }
              eval { prompts = 10, every = 1 }
            }
            """;

    @Test
    void train_printsProgressAndTheAccuracySummary_andWritesTheRun(@TempDir Path dir) {
        TributarySettings s = TributarySettings.load(ConfigFactory.parseString("tributary.run.out-dir = \""
                + dir.resolve("run") + "\"").withFallback(ConfigFactory.parseString(TINY)));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = TributaryCli.train(s, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        String text = out.toString(StandardCharsets.UTF_8);
        assertEquals(0, code, err.toString(StandardCharsets.UTF_8) + text);
        assertTrue(text.contains("sft    100/100 | loss "), text);
        assertTrue(text.contains("held-out accuracy after SFT: "), text);
        assertTrue(text.contains("iter   1 | reward "), text);
        assertTrue(text.contains("iter   2 | reward "), text);
        assertTrue(text.contains("after SFT warm-up (RL start)"), text);
        assertTrue(text.contains("after RL iteration 2"), text);
        assertTrue(text.contains("gain from RL"), text);
        for (String f : new String[] {"metrics.csv", "metrics.jsonl", "curves.png", "run.properties", "settings.conf",
            "checkpoints/latest"}) {
            assertTrue(Files.exists(dir.resolve("run").resolve(f)), f + " was not written");
        }

        ByteArrayOutputStream again = new ByteArrayOutputStream();
        assertEquals(TributaryCli.BAD_SETTINGS, TributaryCli.train(s, new PrintStream(new ByteArrayOutputStream()),
                new PrintStream(again, true, StandardCharsets.UTF_8)), "a second fresh run into the same directory");
        assertTrue(again.toString(StandardCharsets.UTF_8).startsWith("tributary train: tributary.run.out-dir = "));
    }
}
