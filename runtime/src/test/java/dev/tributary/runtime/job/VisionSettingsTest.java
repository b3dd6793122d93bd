package dev.tributary.runtime.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.tributary.runtime.RunSpec;
import dev.tributary.runtime.Tributary;
import java.nio.file.Files;
import java.nio.file.Path;
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
}
