package dev.tributary.runtime.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tributary.runtime.settings.TributarySettings;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class TributaryCliTest {
    private final AtomicReference<TributarySettings> received = new AtomicReference<>();
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine cl = new TributaryCli(s -> {
            received.set(s);
            return 0;
        }).commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        return cl.execute(args);
    }

    @Test
    void namedOptions_reachTheRunner(@TempDir Path dir) {
        Path outDir = dir.resolve("run");
        assertEquals(0, run("train", "--task", "arithmetic", "--iterations", "5", "--seed", "11", "--out",
                outDir.toString(), "--resume", "--set", "tributary.rollout.workers=3", "--set",
                "tributary.trainer.reset-optimizer=false"), err.toString());
        TributarySettings s = received.get();
        assertEquals(5, s.run().iterations());
        assertEquals(11L, s.run().seed());
        assertEquals(outDir, s.run().outDir());
        assertTrue(s.run().resume());
        assertEquals(3, s.rollout().workers());
        assertFalse(s.trainer().resetOptimizer());
        assertEquals("", err.toString());
    }

    @Test
    void runnerResult_isTheExitCode() {
        int code = new TributaryCli(s -> 7).commandLine().execute("train");
        assertEquals(7, code);
    }

    @Test
    void precedence_optionsOverSetOverFileOverReference(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("my.conf");
        Files.writeString(file, "tributary { run { iterations = 50, seed = 3 }, rollout { workers = 4, slots = 8 } }\n");
        assertEquals(0, run("train", "--config", file.toString(), "--iterations", "9",
                "--set", "tributary.rollout.workers=1", "--set", "tributary.run.seed=12", "--seed", "13"), err.toString());
        TributarySettings s = received.get();
        assertEquals(9, s.run().iterations(), "--iterations beats the file");
        assertEquals(1, s.rollout().workers(), "--set beats the file");
        assertEquals(13L, s.run().seed(), "--seed beats --set of the same key");
        assertEquals(8, s.rollout().slots(), "the file beats reference.conf");
        assertEquals(24, s.rollout().tokenBudget(), "reference.conf fills the rest");
    }

    @Test
    void help_describesEveryOptionWithItsDefault() {
        assertEquals(0, run("train", "--help"));
        // Picocli wraps at 80 columns; compare with the wrapping undone.
        String help = out.toString().replaceAll("\\s+", " ");
        for (String option : new String[] {"--config=<file>", "--task=<name>", "--iterations=<n>", "--seed=<n>",
            "--out=<dir>", "--resume", "--set=<key=value>"}) {
            assertTrue(help.contains(option), "help lacks " + option + ":\n" + help);
        }
        assertTrue(help.contains("Default: " + com.typesafe.config.ConfigFactory.defaultReference().getInt("tributary.run.iterations") + "."), help);
        assertTrue(help.contains("Default: arithmetic."), help);
        assertTrue(help.contains("Default: a new runs/<date-time>."), help);
        assertTrue(help.contains("these options > --config file > application.conf > reference.conf"), help);
        assertNull(received.get(), "help runs nothing");
    }

    @Test
    void badValue_printsOneLineAndExitsWithTwo() {
        assertEquals(TributaryCli.BAD_SETTINGS, run("train", "--set", "tributary.rollout.token-budget=-3"));
        assertEquals("tributary train: tributary.rollout.token-budget = -3: expected an integer > 0"
                + System.lineSeparator(), err.toString());
        assertNull(received.get());
        assertEquals(TributaryCli.BAD_SETTINGS, run("train", "--iterations", "0"));
        assertTrue(err.toString().contains("tributary.run.iterations = 0: expected an integer > 0"), err.toString());
    }

    @Test
    void badFilesAndKeys_areOneLineErrors(@TempDir Path dir) throws IOException {
        assertEquals(2, run("train", "--config", dir.resolve("missing.conf").toString()));
        assertTrue(err.toString().contains("missing.conf: no such file"), err.toString());
        Path broken = dir.resolve("broken.conf");
        Files.writeString(broken, "tributary { run { iterations = \n");
        err.getBuffer().setLength(0);
        assertEquals(2, run("train", "--config", broken.toString()));
        assertEquals(1, err.toString().lines().count(), err.toString());
        assertTrue(err.toString().contains("broken.conf"), err.toString());
        err.getBuffer().setLength(0);
        assertEquals(2, run("train", "--set", "pekko.loglevel=DEBUG"));
        assertTrue(err.toString().contains("expected a key under tributary."), err.toString());
        err.getBuffer().setLength(0);
        assertEquals(2, run("train", "--set", "tributary.rollout.wrkers=2"));
        assertTrue(err.toString().startsWith("tributary train: tributary.rollout.wrkers = \"2\": expected no such key"),
                err.toString());
        assertFalse(err.toString().contains("\tat "), "no stack trace");
        assertNull(received.get());
    }

    @Test
    void unknownOptionOrNoSubcommand_areHandledByPicocli() {
        assertEquals(2, run("train", "--iterashuns", "3"));
        assertTrue(err.toString().contains("Unknown options: '--iterashuns'"), err.toString());
        assertTrue(err.toString().contains("Possible solutions: --iterations"), err.toString());
        assertEquals(0, run());
        assertTrue(out.toString().contains("train"), out.toString());
    }
}
