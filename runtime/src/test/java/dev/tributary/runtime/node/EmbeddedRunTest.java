package dev.tributary.runtime.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tributary.model.PolicyVersion;
import dev.tributary.model.Segment;
import dev.tributary.model.Trajectory;
import dev.tributary.model.TrajectoryBatch;
import dev.tributary.runtime.RunResult;
import dev.tributary.runtime.RunSpec;
import dev.tributary.runtime.Tributary;
import dev.tributary.runtime.TributaryRun;
import dev.tributary.runtime.job.TinyRuns;
import dev.tributary.runtime.metrics.IterationMetrics;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A whole embedded job on a real (tiny) model: every role, the stream, partial rollouts and weight hand-offs. */
class EmbeddedRunTest {
    @Test
    void partialRollouts_areResumedWithTheirVersions_andEveryTrajectoryIsTrainedOnce(@TempDir Path dir)
            throws Exception {
        List<TrajectoryBatch> batches = new CopyOnWriteArrayList<>();
        RunSpec spec = RunSpec.of(TinyRuns.config(dir, """
                tributary.run { iterations = 4, checkpoint-every = 0 }
                tributary.sft.steps = 0
                tributary.rollout.token-budget = 5
                tributary.trainer.step = recording
                """)).withPlugins(TinyRuns.recordingBatches(batches));
        RunResult r;
        try (TributaryRun run = Tributary.start(spec)) {
            r = TinyRuns.await(run);
        }
        assertEquals(4, r.metrics().size());
        assertEquals(new PolicyVersion(4), r.version());
        assertEquals(4, batches.size());

        Set<String> trained = new HashSet<>();
        int resumedSeen = 0;
        for (int i = 0; i < 4; i++) {
            TrajectoryBatch b = batches.get(i);
            assertEquals(new PolicyVersion(i), b.version());
            for (Trajectory tr : b.trajectories()) {
                assertTrue(trained.add(tr.id()), "trajectory " + tr.id() + " was trained twice");
                long previous = -1;
                for (Segment s : tr.segments()) {
                    assertTrue(s.policyVersion() >= previous && s.policyVersion() <= i,
                            "segment versions must not decrease and not exceed the batch's: " + tr.segments());
                    previous = s.policyVersion();
                    assertTrue(s.length() <= 5, "a segment longer than the token budget: " + s);
                }
                if (tr.segments().size() > 1) {
                    resumedSeen++;
                    assertTrue(tr.segments().get(0).policyVersion()
                                    < tr.segments().get(tr.segments().size() - 1).policyVersion(),
                            "a resumed trajectory continues under a newer policy: " + tr.segments());
                }
            }
        }
        assertTrue(r.metrics().stream().mapToInt(IterationMetrics::partial).sum() > 0,
                "a budget of 5 tokens must cut some responses");
        assertTrue(r.metrics().stream().mapToInt(IterationMetrics::resumed).sum() > 0,
                "cut responses must be resumed in later iterations");
        assertTrue(resumedSeen > 0, "some trained trajectory must span several iterations");
    }
}
