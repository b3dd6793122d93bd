package dev.tributary.runtime.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tributary.model.Prompt;
import dev.tributary.model.task.DigitsTask;
import dev.tributary.model.task.Task;
import dev.tributary.model.token.Tokenizer;
import dev.tributary.runtime.RunSpec;
import dev.tributary.runtime.Tributary;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A vision run the model cannot take is refused at start in one line, before anything is written. */
class VisionSettingsTest {
    private static String refused(Path out, String extra) {
        var e = assertThrows(IllegalArgumentException.class, () -> Tributary.start(RunSpec.of(TinyRuns.config(out,
                "tributary.task.name = digits\n" + extra))).close());
        assertEquals(false, Files.exists(out.resolve("run.properties")), "a refused run writes nothing");
        return e.getMessage();
    }

    @Test
    void imagesOnATextOnlyModel_andAPatchThatDoesNotFit_areRefused(@TempDir Path dir) {
        assertEquals("tributary.model.vision.front-end = \"off\": expected auto for task 'digits', whose prompts carry "
                + "images (8×16×1): a text-only model cannot take them", refused(dir,
                "tributary.model.vision.front-end = off"));
        assertEquals("tributary.model.vision.patch-size = 3: expected 0 or a divisor of the height 8 and width 16 of "
                + "task 'digits's images", refused(dir, "tributary.model.vision.patch-size = 3"));
        assertEquals("tributary.model.vision.front-end = \"on\": expected auto or off", refused(dir,
                "tributary.model.vision.front-end = on"));
    }

    /** The digits task's prompts from a task that declares no vision front end. */
    public static final class UndeclaredPictures implements Task {
        private final DigitsTask digits = DigitsTask.standard();

        @Override
        public String name() {
            return "undeclared-pictures";
        }

        @Override
        public Tokenizer tokenizer() {
            return digits.tokenizer();
        }

        @Override
        public int minDifficulty() {
            return 1;
        }

        @Override
        public int maxDifficulty() {
            return 4;
        }

        @Override
        public Prompt sample(int difficulty, Split split, RandomGenerator rng) {
            return digits.sample(difficulty, split, rng);
        }

        @Override
        public double reward(Prompt prompt, int[] response) {
            return digits.reward(prompt, response);
        }

        @Override
        public int[] workedSolution(Prompt prompt) {
            return digits.workedSolution(prompt);
        }
    }

    /** Digits pictures blown up to 256×256: 256 KiB a prompt, the size of Artery's default frame. */
    public static final class LargePictures implements Task {
        private final DigitsTask digits = DigitsTask.standard();

        @Override
        public String name() {
            return "large-pictures";
        }

        @Override
        public Tokenizer tokenizer() {
            return digits.tokenizer();
        }

        @Override
        public int minDifficulty() {
            return 1;
        }

        @Override
        public int maxDifficulty() {
            return 4;
        }

        @Override
        public dev.tributary.model.policy.VisionConfig vision() {
            return new dev.tributary.model.policy.VisionConfig(1, 256, 256, 1, 64);
        }

        @Override
        public Prompt sample(int difficulty, Split split, RandomGenerator rng) {
            Prompt p = digits.sample(difficulty, split, rng);
            dev.tributary.model.Image small = p.images().get(0);
            float[] px = new float[256 * 256];
            for (int y = 0; y < 256; y++) {
                for (int x = 0; x < 256; x++) {
                    px[y * 256 + x] = small.at(y / 32, x / 16, 0);
                }
            }
            return new Prompt(p.id(), p.tokens(), p.task(), p.difficulty(), p.groundTruth(),
                    java.util.List.of(new dev.tributary.model.Image(256, 256, 1, px)));
        }

        @Override
        public double reward(Prompt prompt, int[] response) {
            return digits.reward(prompt, response);
        }

        @Override
        public int[] workedSolution(Prompt prompt) {
            return digits.workedSolution(prompt);
        }
    }

    @Test
    void picturesTooLargeForArterysFrame_areRefusedAtStartOnACluster(@TempDir Path dir) throws Exception {
        // Refused before its ActorSystem starts: no port is bound, so none needs to be free.
        var cluster = dev.tributary.runtime.cluster.ClusterNodes.settings(dir, 0, 0).config();
        var e = assertThrows(IllegalArgumentException.class, () -> Tributary.start(RunSpec.of(
                com.typesafe.config.ConfigFactory.parseString("tributary.task.name = \""
                        + LargePictures.class.getName() + "\"\ntributary.sampler.pool-size = 8\n"
                        + "tributary.eval.prompts = 4").withFallback(cluster)).withRoles(java.util.Set.of("rollout")))
                .close());
        assertTrue(e.getMessage().startsWith("pekko.remote.artery.advanced.maximum-frame-size = 262144: expected more "
                + "than 278528 bytes on a cluster: prompt 'digits:"), e.getMessage());
        assertTrue(e.getMessage().endsWith("carries 262144 bytes of images, and a message holding it must fit one "
                + "frame (or use smaller pictures)"), e.getMessage());
    }

    @Test
    void aTaskShowingPicturesItDoesNotDeclare_isRefusedAtStart(@TempDir Path dir) {
        var e = assertThrows(IllegalArgumentException.class, () -> Tributary.start(RunSpec.of(TinyRuns.config(dir,
                "tributary.task.name = \"" + UndeclaredPictures.class.getName() + "\""))).close());
        assertTrue(e.getMessage().startsWith("tributary.task.name = \"" + UndeclaredPictures.class.getName()
                + "\": expected a task whose prompts fit the vision front end it declares (Task.vision()), but prompt '"
                + "digits:"), e.getMessage());
        assertTrue(e.getMessage().endsWith("carries 1 image but the model has no vision front end "
                + "(tributary.model.vision.max-images = 0); expected a text-only prompt"), e.getMessage());
    }
}
