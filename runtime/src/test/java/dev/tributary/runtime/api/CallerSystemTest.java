package dev.tributary.runtime.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tributary.runtime.RunResult;
import dev.tributary.runtime.RunSpec;
import dev.tributary.runtime.Tributary;
import dev.tributary.runtime.TributaryRun;
import dev.tributary.runtime.job.TinyRuns;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.annotations.JUnit5TestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.JUnit5TestKitBuilder;
import org.apache.pekko.actor.testkit.typed.javadsl.TestKitJUnit5Extension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** A run started under an ActorSystem the caller owns: its roles come and go, the system stays the caller's. */
@ExtendWith(TestKitJUnit5Extension.class)
class CallerSystemTest {
    @JUnit5TestKit
    ActorTestKit kit = new JUnit5TestKitBuilder().build();

    @Test
    void aRunUnderTheCallersSystem_completesItsStage_andLeavesTheSystemRunning(@TempDir Path dir) throws Exception {
        RunSpec spec = RunSpec.of(TinyRuns.config(dir, "tributary.sft.steps = 0\ntributary.run.iterations = 2"));
        RunResult r;
        try (TributaryRun run = Tributary.start(spec, kit.system())) {
            r = run.result().toCompletableFuture().get(3, TimeUnit.MINUTES);
            assertSame(kit.system(), run.system());
        }
        assertEquals(2, r.metrics().size());
        assertEquals(2, r.version().number());
        assertTrue(r.metrics().stream().mapToInt(m -> m.trainedSamples()).sum() > 0, "it trained");
        assertFalse(kit.system().getWhenTerminated().toCompletableFuture().isDone(),
                "the caller's system outlives the run");
        // The run's own top-level actor is gone with it.
        var selection = kit.system().classicSystem().actorSelection("/system/tributary-*");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        boolean gone = false;
        while (!gone && System.nanoTime() < deadline) {
            try {
                selection.resolveOne(java.time.Duration.ofMillis(500)).toCompletableFuture().get();
                Thread.sleep(100);
            } catch (java.util.concurrent.ExecutionException e) {
                gone = e.getCause() instanceof org.apache.pekko.actor.ActorNotFound;
            }
        }
        assertTrue(gone, "the run's actors are still alive under the caller's system");
    }
}
