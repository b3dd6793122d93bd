package dev.tributary.runtime.job;

import dev.tributary.runtime.RunSpec;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tributary.runtime.RunResult;
import dev.tributary.runtime.Tributary;
import dev.tributary.runtime.TributaryRun;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A whole job with {@code serialize-messages = on}: every message the roles exchange (including checkpoint
 * snapshots and the segment stream's offers and acks) goes through the Kryo serializer and back, as it would
 * between nodes. A message that fails to serialize fails the sending role, and with it the run.
 */
class SerializedMessagesTest {
    @Test
    void everyMessageOfARun_survivesTheSerializer(@TempDir Path dir) throws Exception {
        try (TributaryRun run = Tributary.start(RunSpec.of(TinyRuns.config(dir, "pekko.actor.serialize-messages = on\n"
                + "pekko.actor.warn-about-java-serializer-usage = on\ntributary.run.checkpoint-every = 1")))) {
            RunResult r = TinyRuns.await(run);
            assertEquals(3, r.metrics().size());
            assertTrue(r.metrics().stream().mapToInt(m -> m.trainedSamples()).sum() > 0, "it trained");
        }
    }
}
