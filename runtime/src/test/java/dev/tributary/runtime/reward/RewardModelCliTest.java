package dev.tributary.runtime.reward;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tributary.model.reward.RewardModelFile;
import dev.tributary.model.token.Tokenizer;
import dev.tributary.runtime.cli.TributaryCli;
import dev.tributary.runtime.job.TinyRuns;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code tributary reward-model train}: the job end to end on a tiny policy, and its refusals. */
class RewardModelCliTest {
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        var cl = new TributaryCli(s -> 0).commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        return cl.execute(args);
    }

    @Test
    void train_samplesLabelsTrainsAndSaves_printingTheTableAgainstTheVerifier(@TempDir Path dir) throws Exception {
        Path config = Files.writeString(dir.resolve("tiny.conf"), TinyRuns.HOCON);
        Path model = dir.resolve("models/rm.bin");
        assertEquals(0, run("reward-model", "train", "--config", config.toString(), "--out", model.toString(),
                "--set", "tributary.reward-model.steps=20", "--set", "tributary.reward-model.prompts=24",
                "--set", "tributary.reward-model.samples-per-prompt=2", "--set",
                "tributary.reward-model.held-out-prompts=10", "--set", "tributary.reward-model.hidden=8",
                "--set", "tributary.reward-model.context-length=48"), err.toString());
        String o = out.toString();
        assertTrue(o.contains("| responses | count | share correct | majority-class accuracy | model accuracy | AUC |"), o);
        assertTrue(o.matches("(?s).*\\| training \\(learned from\\) \\| 48 \\| .*"), o);
        assertTrue(o.matches("(?s).*\\| held-out prompts \\(unseen\\) \\| 20 \\| .*"), o);
        assertTrue(o.contains("--set tributary.reward.learned.path=" + model), o);
        var header = RewardModelFile.header(model);
        assertEquals("arithmetic", header.task());
        assertEquals(8, header.shape().hidden());
        assertTrue(header.facts().containsKey("held-out-auc"), header.facts().toString());
        RewardModelFile.load(model, "arithmetic", Tokenizer.standard());
        assertEquals("", err.toString());
    }

    @Test
    void badRewardModelSettings_areRefusedInOneLine() {
        assertEquals(TributaryCli.BAD_SETTINGS, run("reward-model", "train", "--set", "tributary.reward-model.hidden=0"));
        assertEquals("tributary reward-model train: tributary.reward-model.hidden = 0: expected an integer > 0",
                err.toString().strip());
        err.getBuffer().setLength(0);
        assertEquals(TributaryCli.BAD_SETTINGS, run("reward-model", "train", "--set", "tributary.reward-model.hiden=8"));
        String line = err.toString().strip();
        assertTrue(line.startsWith("tributary reward-model train: tributary.reward-model.hiden = \"8\": expected no such "
                + "key; the keys of tributary.reward-model are "), line);
        assertEquals(1, line.lines().count());
    }
}
