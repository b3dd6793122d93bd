package dev.tributary.runtime.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tributary.actors.master.Checkpointer;
import dev.tributary.actors.master.IterationReport;
import dev.tributary.actors.master.Master;
import dev.tributary.actors.master.MasterSettings;
import dev.tributary.actors.reward.RewardShaping;
import dev.tributary.actors.rollout.RolloutSettings;
import dev.tributary.actors.sampling.PromptPool;
import dev.tributary.actors.sampling.Samplers;
import dev.tributary.actors.trainer.Trainer;
import dev.tributary.model.PolicyVersion;
import dev.tributary.model.Segment;
import dev.tributary.model.Trajectory;
import dev.tributary.model.algo.Opmd;
import dev.tributary.model.engine.Sampling;
import dev.tributary.model.policy.Optimizer;
import dev.tributary.model.policy.Policy;
import dev.tributary.model.policy.PolicyConfig;
import dev.tributary.model.task.ArithmeticTask;
import dev.tributary.model.token.Tokenizer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

/** A whole embedded job on a real (tiny) model: every role, the stream, partial rollouts and weight hand-offs. */
class EmbeddedRunTest {
    private static final ActorTestKit KIT = ActorTestKit.create();

    @AfterAll
    static void shutdown() {
        KIT.shutdownTestKit();
    }

    static JobSpec spec(int iterations, int tokenBudget) {
        ArithmeticTask task = new ArithmeticTask(Tokenizer.standard(), 2, false);
        Policy policy = Policy.create(new PolicyConfig(task.tokenizer().vocabSize(), 40, 32, 4, 1, 64, 3L, DataType.FLOAT));
        PromptPool pool = new PromptPool(task, 50, 1);
        return new JobSpec(task, policy, new Optimizer(policy.params(), Optimizer.Settings.adam(1e-3)),
                new Opmd(0.1, Opmd.Baseline.MEAN),
                Samplers.registry().create("uniform", com.typesafe.config.ConfigFactory.empty())
                        .create(new Samplers.Context(pool, 7)),
                dev.tributary.actors.reward.RewardFunctions.verifier(task), new RewardShaping(0.1, 1, 0.5), new RolloutSettings(8, Sampling.of(1.0), 0, 0),
                new MasterSettings(iterations, 3, 4, tokenBudget, 30, 11, List.of(), 1, 30, 0, 2),
                new Trainer.Settings(1, 12, true, 0, 1L << 20, 11), 2, 256, 8, 64L << 20, PolicyVersion.INITIAL, 1,
                List.of());
    }

    private static Trainer.Train nextTrain(TestProbe<Trainer.Command> probe) {
        while (true) {
            if (probe.receiveMessage(Duration.ofSeconds(5)) instanceof Trainer.Train t) {
                return t;
            }
        }
    }

    @Test
    void partialRollouts_areResumedWithTheirVersions_andEveryTrajectoryIsTrainedOnce() throws Exception {
        TestProbe<Trainer.Command> trainerMessages = KIT.createTestProbe();
        List<IterationReport> reports = new ArrayList<>();
        CompletableFuture<Master.Finished> done = new CompletableFuture<>();
        KIT.spawn(EmbeddedGuardian.create(spec(4, 5), EmbeddedGuardian.ENGINE, reports::add, Checkpointer.NONE, done,
                (b, s) -> Behaviors.monitor(Trainer.Command.class, trainerMessages.ref(), b)), "job");
        Master.Finished f = done.get(3, TimeUnit.MINUTES);
        assertEquals(4, f.reports().size());
        assertEquals(new PolicyVersion(4), f.version());

        Set<String> trained = new HashSet<>();
        int resumedSeen = 0;
        for (int i = 0; i < 4; i++) {
            Trainer.Train t = nextTrain(trainerMessages);
            assertEquals(new PolicyVersion(i), t.batch().version());
            for (Trajectory tr : t.batch().trajectories()) {
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
                    assertTrue(tr.segments().get(0).policyVersion() < tr.segments().get(tr.segments().size() - 1).policyVersion(),
                            "a resumed trajectory continues under a newer policy: " + tr.segments());
                }
            }
        }
        int partial = reports.stream().mapToInt(r -> r.rollout().partial()).sum();
        int resumed = reports.stream().mapToInt(r -> r.rollout().resumed()).sum();
        assertTrue(partial > 0, "a budget of 5 tokens must cut some responses");
        assertTrue(resumed > 0, "cut responses must be resumed in later iterations");
        assertTrue(resumedSeen > 0, "some trained trajectory must span several iterations");
    }
}
