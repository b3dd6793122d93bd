package dev.tributary.runtime.job;

import dev.tributary.runtime.RunSpec;
import dev.tributary.actors.sampling.PromptSampler;
import dev.tributary.actors.rollout.RolloutBehavior;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tributary.runtime.Tributary;
import dev.tributary.runtime.settings.SettingsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A run is refused at start, before anything is written, with the key, the value and what was expected. */
class StartValidationTest {
    private static IllegalArgumentException refused(Path out, String extra) {
        List<Path> before = listing(out);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Tributary.start(RunSpec.of(TinyRuns.config(out, extra))).close());
        assertEquals(before, listing(out), "a refused run writes nothing");
        return e;
    }

    private static List<Path> listing(Path dir) {
        if (!Files.exists(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.walk(dir)) {
            return files.sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void unknownNames_listTheValidOnes(@TempDir Path dir) {
        assertEquals("tributary.sampler.name = \"hardest-first\": expected one of curriculum, prioritized, uniform, "
                + "or a fully qualified class name implementing " + PromptSampler.class.getName(),
                refused(dir, "tributary.sampler.name = hardest-first").getMessage());
        assertEquals("tributary.rollout.behavior = \"vllm\": expected one of engine, or a fully qualified class name "
                + "implementing " + RolloutBehavior.class.getName(), refused(dir, "tributary.rollout.behavior = vllm")
                .getMessage());
        assertTrue(refused(dir, "tributary.reward.function = judge").getMessage()
                .startsWith("tributary.reward.function = \"judge\": expected one of code, learned, verifier"));
        assertTrue(refused(dir, "tributary.trainer.loss = ppo").getMessage()
                .startsWith("tributary.trainer.loss = \"ppo\": expected one of dpo, grpo, opmd, reinforce, rest"));
    }

    @Test
    void classNames_mustExistAndImplementTheRole(@TempDir Path dir) {
        assertTrue(refused(dir, "tributary.rollout.behavior = org.example.Missing").getMessage()
                .startsWith("tributary.rollout.behavior = \"org.example.Missing\": no such class on the classpath"));
        assertEquals("tributary.rollout.behavior = \"java.lang.String\": class java.lang.String does not implement "
                + RolloutBehavior.class.getName(), refused(dir, "tributary.rollout.behavior = java.lang.String")
                .getMessage());
    }

    @Test
    void badValues_nameTheKey(@TempDir Path dir) {
        assertEquals("tributary.trainer.minibatch-size = 6: expected a multiple of "
                + "tributary.sampler.samples-per-prompt (4)", refused(dir, "tributary.trainer.minibatch-size = 6")
                .getMessage());
        assertEquals("tributary.model.heads = 5: expected a divisor of tributary.model.d-model (32)",
                refused(dir, "tributary.model.heads = 5").getMessage());
        assertTrue(refused(dir, "tributary.sampler.difficulty.end = 9").getMessage().contains("difficulties 2..9"));
    }

    @Test
    void resume_needsACheckpointOfTheSameRun(@TempDir Path dir) throws Exception {
        SettingsException none = (SettingsException) refused(dir, "tributary.run.resume = true");
        assertEquals("tributary.run.resume", none.path());
        assertTrue(none.getMessage().contains("there is none; run without --resume"), none.getMessage());

        Path out = dir.resolve("run");
        TinyRuns.run(out, "tributary.run { iterations = 1, checkpoint-every = 1 }\ntributary.sft.steps = 0");
        assertEquals("tributary.run.out-dir = \"" + out + "\": expected a directory without an earlier run; continue "
                + "that run with --resume, or choose another --out", refused(out, "").getMessage());
        String otherSeed = refused(out, "tributary.run { resume = true, seed = 6 }").getMessage();
        assertTrue(otherSeed.startsWith("tributary.run.seed = 6: expected the seed of the run whose checkpoints are "
                + "in ") && otherSeed.contains("(5)"), otherSeed);
        assertTrue(refused(out, "tributary.run { resume = true, iterations = 1 }").getMessage()
                .contains("more than the 1 iterations the checkpoint already completed"));
        assertTrue(refused(out, "tributary.run.resume = true\ntributary.model.d-model = 64").getMessage()
                .startsWith("tributary.model = "));
    }

    @Test
    void aCheckpointDirectoryThisNodeCannotWrite_isRefusedAtStart(@TempDir Path dir) throws Exception {
        Path blocker = Files.writeString(dir.resolve("a-file"), "not a directory");
        SettingsException e = (SettingsException) refused(dir.resolve("run"),
                "tributary.run.checkpoint-dir = \"" + blocker.resolve("checkpoints") + "\"");
        assertEquals("tributary.run.checkpoint-dir", e.path());
        assertTrue(e.getMessage().startsWith("tributary.run.checkpoint-dir = " + blocker.resolve("checkpoints")
                + ": expected a directory this node can write its checkpoint parts to, but "), e.getMessage());
        assertTrue(e.getMessage().endsWith("(or set tributary.run.checkpoint-every = 0)"), e.getMessage());
    }
}
