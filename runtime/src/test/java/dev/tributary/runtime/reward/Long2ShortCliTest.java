package dev.tributary.runtime.reward;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tributary.runtime.cli.TributaryCli;
import dev.tributary.runtime.internal.metrics.RunFiles;
import dev.tributary.runtime.job.TinyRuns;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code tributary long2short}: the four methods on a tiny long-scratchpad run, and its refusals. */
class Long2ShortCliTest {
    static final String LONG = """
            tributary.task.arithmetic.scratchpad = long
            tributary.model.context-length = 56
            tributary.rollout { max-response-tokens = 44, token-budget = 44 }
            tributary.run { iterations = 2, checkpoint-every = 2 }
            """;
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        var cl = new TributaryCli(s -> 0).commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        return cl.execute(args);
    }

    @Test
    void everyMethodRunsOnALongRun_andTheTableHasARowEach(@TempDir Path dir) throws Exception {
        Path from = dir.resolve("long");
        TinyRuns.run(from, LONG);
        Path l2s = dir.resolve("l2s");
        assertEquals(0, run("long2short", "--from", from.toString(), "--out", l2s.toString(),
                "--set", "tributary.long2short.prompts=8", "--set", "tributary.long2short.samples=4",
                "--set", "tributary.long2short.sft-steps=3", "--set", "tributary.long2short.dpo-steps=3",
                "--set", "tributary.long2short.batch-prompts=4", "--set", "tributary.long2short.rl-iterations=1",
                "--set", "tributary.long2short.rl-max-tokens=30", "--set", "tributary.long2short.merge-weights=[0.5]"),
                err.toString());
        String o = out.toString();
        assertTrue(o.contains("| method | mean response tokens | held-out accuracy | tokens per correct answer |"), o);
        for (String row : List.of("| long policy (iteration 2) |", "| short policy (short scratchpad SFT) |",
                "| model merge (0.50 long + 0.50 short) |", "| shortest rejection sampling (n=4) |",
                "| DPO (shortest correct vs wrong and >= 1.5x longer) |",
                "| long2short RL (length penalty 0.5, max 30 tokens) |")) {
            assertTrue(o.contains(row), "no row " + row + " in:\n" + o);
        }
        assertEquals(8, Files.readAllLines(l2s.resolve("long2short.md")).size(), "header, rule and six rows");
        assertTrue(Files.size(l2s.resolve("long2short.png")) > 1000);
        // The RL method continued the run from its checkpoint for one more iteration.
        assertTrue(Files.isDirectory(l2s.resolve("long2short-rl/checkpoints/iter-3")));
        assertEquals("", err.toString());
    }

    @Test
    void aMissingDirectoryADirectoryWithoutARunAndARunWithoutTheLongScratchpad_areRefusedInOneLine(
            @TempDir Path dir) throws Exception {
        assertEquals(TributaryCli.BAD_SETTINGS, run("long2short", "--from", dir.resolve("none").toString()));
        assertEquals("tributary long2short: --from " + dir.resolve("none") + ": no such directory",
                err.toString().strip());
        err.getBuffer().setLength(0);
        assertEquals(TributaryCli.BAD_SETTINGS, run("long2short", "--from", dir.toString()));
        assertTrue(err.toString().strip().endsWith("holds no run (no settings.conf); give the out-dir of a "
                + "tributary train run"), err.toString());
        err.getBuffer().setLength(0);
        Path standard = dir.resolve("standard");
        RunFiles.writeRunFiles(TinyRuns.settings(standard, ""), 0.5);
        assertEquals(TributaryCli.BAD_SETTINGS, run("long2short", "--from", standard.toString()));
        assertTrue(err.toString().strip().endsWith("long2short needs a run of arithmetic with "
                + "tributary.task.arithmetic.scratchpad = long"), err.toString());
        assertEquals(1, err.toString().strip().lines().count());
    }
}
