package dev.tributary.actors.trainer;

import dev.tributary.actors.checkpoint.CheckpointParts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import dev.tributary.actors.device.DeviceArbiter;
import dev.tributary.model.FinishReason;
import dev.tributary.model.PolicyVersion;
import dev.tributary.model.Prompt;
import dev.tributary.model.Segment;
import dev.tributary.model.Trajectory;
import dev.tributary.model.TrajectoryBatch;
import dev.tributary.model.TrajectoryIds;
import dev.tributary.model.algo.Opmd;
import dev.tributary.model.policy.Optimizer;
import dev.tributary.model.policy.Policy;
import dev.tributary.model.policy.PolicyConfig;
import dev.tributary.model.policy.SequenceBatch;
import dev.tributary.model.task.ArithmeticTask;
import dev.tributary.model.token.Tokenizer;
import dev.tributary.model.weights.FlatWeights;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.annotations.JUnit5TestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.JUnit5TestKitBuilder;
import org.apache.pekko.actor.testkit.typed.javadsl.LoggingTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestKitJUnit5Extension;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.nd4j.linalg.api.buffer.DataType;

/** The trainer role with a real tiny policy, optimizer, loss and device arbiter. */
@ExtendWith(TestKitJUnit5Extension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TrainerTest {
    @JUnit5TestKit
    final ActorTestKit kit = new JUnit5TestKitBuilder().build();

    private static final Duration TRAIN_WAIT = Duration.ofSeconds(60);
    private static final ArithmeticTask TASK = new ArithmeticTask(Tokenizer.standard(), 2, false);
    private static final PolicyConfig CONFIG =
            new PolicyConfig(TASK.tokenizer().vocabSize(), 40, 32, 4, 1, 64, 11L, DataType.FLOAT);
    private static final PolicyVersion V0 = PolicyVersion.INITIAL;

    /** A started trainer and what it trains. */
    private record Rig(Policy policy, ActorRef<Trainer.Command> trainer, ActorRef<DeviceArbiter.Command> arbiter,
                       List<Trajectory> trajectories) {
    }

    private Rig rig(boolean resetOptimizer, int steps) {
        return rig(resetOptimizer, steps, 2, 0);
    }

    private Rig rig(boolean resetOptimizer, int steps, int minibatch, int microbatchTokens) {
        Policy policy = Policy.create(CONFIG);
        Optimizer optimizer = new Optimizer(policy.params(), Optimizer.Settings.adam(1e-3));
        var arbiter = kit.spawn(DeviceArbiter.create(1L << 20));
        var settings = new Trainer.Settings(steps, minibatch, resetOptimizer, 0, 1000, 5L, microbatchTokens);
        var step = TrainerStep.registry().create("minibatch", ConfigFactory.empty(),
                new TrainerStep.Context(policy, optimizer, new Opmd(0.5, Opmd.Baseline.MEAN), settings));
        var trainer = kit.spawn(Trainer.create(policy, optimizer, step, TASK, settings, V0, arbiter, null, CheckpointParts.NONE));
        return new Rig(policy, trainer, arbiter, trajectories(policy));
    }

    /**
     * Two prompts with two finished samples each, one right and one wrong, their log-probs recorded by the
     * policy itself (as the generating engine would have).
     */
    static List<Trajectory> trajectories(Policy policy) {
        Prompt[] prompts = {TASK.prompt(47, 38, '+', 2), TASK.prompt(12, 9, '+', 2)};
        List<Trajectory> out = new ArrayList<>();
        for (int q = 0; q < prompts.length; q++) {
            Prompt p = prompts[q];
            int[] right = TASK.workedSolution(p);
            int[] wrong = TASK.tokenizer().encode("<sep>" + (Long.parseLong(p.groundTruth()) + 1) + "<eos>");
            for (int j = 0; j < 2; j++) {
                int[] response = (j == q) ? right : wrong;
                int[] seq = new int[p.length() + response.length];
                System.arraycopy(p.tokens(), 0, seq, 0, p.length());
                System.arraycopy(response, 0, seq, p.length(), response.length);
                double[] lp = policy.responseLogProbs(new SequenceBatch(new int[][] {seq}, new int[] {p.length()}))[0];
                float[] recorded = new float[lp.length];
                for (int i = 0; i < lp.length; i++) {
                    recorded[i] = (float) Math.min(0, lp[i]);
                }
                String id = TrajectoryIds.of("i1-q" + q, j);
                Trajectory t = Trajectory.start(id, p).append(new Segment(id, 0, response, recorded, 0, FinishReason.EOS));
                out.add(t.withReward(TASK.reward(p, response)));
            }
        }
        assertEquals(List.of(1.0, 0.0, 0.0, 1.0), out.stream().map(Trajectory::reward).toList());
        return out;
    }

    private Trainer.Trained train(Rig rig, PolicyVersion version) {
        TestProbe<Trainer.Trained> trained = kit.createTestProbe();
        rig.trainer().tell(new Trainer.Train(new TrajectoryBatch(version, rig.trajectories()), trained.ref()));
        return trained.receiveMessage(TRAIN_WAIT);
    }

    private Trainer.Snapshot snapshot(Rig rig) {
        TestProbe<Trainer.Snapshot> probe = kit.createTestProbe();
        rig.trainer().tell(new Trainer.GetSnapshot(probe.ref()));
        return probe.receiveMessage(TRAIN_WAIT);
    }

    @Test
    void trainAtItsVersion_answersTheNextVersion_theStepsTaken_andChangedWeights() {
        Rig rig = rig(false, 3);
        FlatWeights before = FlatWeights.export(rig.policy().params(), V0);
        Trainer.Trained t = train(rig, V0);
        assertEquals(V0.next(), t.version());
        assertEquals(3, t.steps());
        assertEquals(4, t.samples());
        assertTrue(Double.isFinite(t.loss()), "loss " + t.loss());
        assertTrue(t.seconds() > 0);
        FlatWeights after = FlatWeights.export(rig.policy().params(), V0);
        assertNotEquals(before.checksum(), after.checksum(), "the optimizer steps changed the weights");
        double moved = 0;
        for (int i = 0; i < before.size(); i++) {
            moved = Math.max(moved, Math.abs(before.value(i) - after.value(i)));
        }
        assertTrue(moved > 1e-4, "largest weight change " + moved);

        TestProbe<FlatWeights> weights = kit.createTestProbe();
        rig.trainer().tell(new Trainer.GetWeights(weights.ref()));
        assertEquals(FlatWeights.export(rig.policy().params(), V0.next()), weights.receiveMessage());

        // Training released the device: the rollout phase can have it at once.
        TestProbe<DeviceArbiter.Reply> rollout = kit.createTestProbe();
        rig.arbiter().tell(new DeviceArbiter.Acquire(DeviceArbiter.Phase.ROLLOUT, "r0", 10, rollout.ref()));
        assertEquals(new DeviceArbiter.Granted(DeviceArbiter.Phase.ROLLOUT, "r0"), rollout.receiveMessage());

        // The samples it was trained on are now likelier when right and less likely when wrong (group-relative).
        double[] lpBefore = sequenceLogProbs(rig.trajectories());
        List<Double> newLp = new ArrayList<>();
        double[][] now = rig.policy().responseLogProbs(BatchBuilder.sequences(new TrajectoryBatch(V0, rig.trajectories())));
        for (double[] row : now) {
            newLp.add(java.util.Arrays.stream(row).sum());
        }
        assertTrue(newLp.get(0) > lpBefore[0] && newLp.get(3) > lpBefore[3], "right answers: " + newLp);
        assertTrue(newLp.get(1) < lpBefore[1] && newLp.get(2) < lpBefore[2], "wrong answers: " + newLp);
    }

    @Test
    void lengthSortedMicroBatches_sumToTheWholeMinibatchsStep() {
        Rig whole = rig(false, 2, 4, 0);
        // 1 token position per pass: every sequence gets its own forward and backward pass.
        Rig micro = rig(false, 2, 4, 1);
        assertEquals(4, BatchBuilder.byLength(new TrajectoryBatch(V0, micro.trajectories()), 1).size());
        train(whole, V0);
        train(micro, V0);
        float[] a = FlatWeights.export(whole.policy().params(), V0).values();
        float[] b = FlatWeights.export(micro.policy().params(), V0).values();
        double worst = 0;
        for (int i = 0; i < a.length; i++) {
            worst = Math.max(worst, Math.abs(a[i] - b[i]));
        }
        assertTrue(worst < 1e-5, "micro-batched weights differ from one-pass weights by " + worst);
        assertNotEquals(FlatWeights.export(Policy.create(CONFIG).params(), V0).checksum(),
                FlatWeights.export(micro.policy().params(), V0).checksum(), "training moved the weights");
    }

    @Test
    void byLength_sortsAndFillsUpToTheTokenBudget() {
        List<Trajectory> ts = trajectories(Policy.create(CONFIG));
        TrajectoryBatch batch = new TrajectoryBatch(V0, ts);
        int longest = ts.stream().mapToInt(t -> t.prefix().length).max().orElseThrow();
        List<int[]> parts = BatchBuilder.byLength(batch, 2 * longest);
        java.util.Set<Integer> seen = new java.util.TreeSet<>();
        int previous = 0;
        for (int[] part : parts) {
            int max = 0;
            for (int i : part) {
                assertTrue(seen.add(i), "index " + i + " twice");
                int len = ts.get(i).prefix().length;
                assertTrue(len >= previous, "micro-batches go from short to long");
                previous = len;
                max = Math.max(max, len);
            }
            assertTrue(part.length == 1 || part.length * max <= 2 * longest, "over the token budget");
        }
        assertEquals(java.util.Set.of(0, 1, 2, 3), seen);
        assertEquals(1, BatchBuilder.byLength(batch, 0).size(), "0 keeps one pass");
    }

    private static double[] sequenceLogProbs(List<Trajectory> ts) {
        double[] out = new double[ts.size()];
        for (int i = 0; i < ts.size(); i++) {
            for (float f : ts.get(i).behaviourLogProbs()) {
                out[i] += f;
            }
        }
        return out;
    }

    @Test
    void batchForAnotherVersion_failsTheTrainer_withAClearMessage() {
        Rig rig = rig(false, 1);
        FlatWeights before = FlatWeights.export(rig.policy().params(), V0);
        TestProbe<Trainer.Trained> trained = kit.createTestProbe();
        LoggingTestKit.error(IllegalArgumentException.class)
                .withMessageContains("batch for v3 but the trainer is at v0")
                .expect(kit.system(), () -> {
                    rig.trainer().tell(new Trainer.Train(new TrajectoryBatch(new PolicyVersion(3), rig.trajectories()),
                            trained.ref()));
                    return null;
                });
        trained.expectTerminated(rig.trainer(), Duration.ofSeconds(5));
        assertEquals(before, FlatWeights.export(rig.policy().params(), V0), "no step was taken");
    }

    @Test
    void snapshot_holdsTheExportedWeights_andTheStepsTaken_whenTheOptimizerIsKept() {
        Rig rig = rig(false, 2);
        Trainer.Snapshot initial = snapshot(rig);
        assertEquals(0, initial.optimizerStep());
        assertEquals(FlatWeights.export(rig.policy().params(), V0), initial.weights());

        train(rig, V0);
        assertEquals(new PolicyVersion(2), train(rig, V0.next()).version());
        Trainer.Snapshot s = snapshot(rig);
        assertEquals(FlatWeights.export(rig.policy().params(), new PolicyVersion(2)), s.weights());
        assertEquals(4, s.optimizerStep(), "two iterations of two steps, never reset");
        assertEquals(rig.policy().params().arrays().keySet(), s.optimizerMoments().keySet());
        for (var e : s.optimizerMoments().entrySet()) {
            long n = rig.policy().params().get(e.getKey()).length();
            assertEquals(2 * n, e.getValue().length, "Adam keeps two moments for " + e.getKey());
        }
        float[] head = s.optimizerMoments().get("head");
        boolean nonZero = false;
        for (float f : head) {
            nonZero |= f != 0;
        }
        assertTrue(nonZero, "the moments of a trained parameter are not all zero");
        // The snapshot is a copy: further training does not change it.
        float first = s.weights().value(0);
        train(rig, new PolicyVersion(2));
        assertEquals(first, s.weights().value(0));
        assertEquals(6, snapshot(rig).optimizerStep());
    }

    @Test
    void oneStep_reportsTheLossAgainstTheRecordedLogProbs() {
        // At the generating weights every log-ratio is 0: OPMD's loss is the within-group reward variance, 0.25.
        Trainer.Trained t = train(rig(false, 1), V0);
        assertEquals(1, t.steps());
        assertEquals(0.25, t.loss(), 1e-4);
    }

    @Test
    void resetOptimizer_startsEveryIterationsStepCountAfresh() {
        Rig rig = rig(true, 2);
        train(rig, V0);
        train(rig, V0.next());
        Trainer.Snapshot s = snapshot(rig);
        assertEquals(2, s.optimizerStep(), "reset at the start of the second iteration");
        assertFalse(s.weights().equals(FlatWeights.export(rig.policy().params(), V0.next())),
                "the snapshot carries the trainer's own version, v2");
        assertEquals(new PolicyVersion(2), s.weights().version());
    }
}
