package dev.tributary.actors.master;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import dev.tributary.actors.checkpoint.PartReply;
import dev.tributary.actors.device.DeviceArbiter;
import dev.tributary.actors.replay.ReplayBuffer;
import dev.tributary.actors.reward.RewardActor;
import dev.tributary.actors.rollout.RolloutJob;
import dev.tributary.actors.rollout.RolloutStats;
import dev.tributary.actors.rollout.RolloutWork;
import dev.tributary.actors.rollout.RolloutWorker;
import dev.tributary.actors.sampling.PromptPool;
import dev.tributary.actors.sampling.PromptSampler;
import dev.tributary.actors.sampling.Samplers;
import dev.tributary.actors.trainer.Trainer;
import dev.tributary.model.FinishReason;
import dev.tributary.model.PolicyVersion;
import dev.tributary.model.Prompt;
import dev.tributary.model.Segment;
import dev.tributary.model.Trajectory;
import dev.tributary.model.policy.Params;
import dev.tributary.model.policy.PolicyConfig;
import dev.tributary.model.task.ArithmeticTask;
import dev.tributary.model.token.Tokenizer;
import dev.tributary.model.train.Evaluator;
import dev.tributary.model.weights.FlatWeights;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.testkit.typed.annotations.JUnit5TestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.JUnit5TestKitBuilder;
import org.apache.pekko.actor.testkit.typed.javadsl.LoggingTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestKitJUnit5Extension;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.delivery.ConsumerController;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * The master's message protocol, with probes standing in for the workers, the replay buffer, the reward actor and
 * the trainer, and a real device arbiter. Rollout batches reach the probes through the real work-pulling path: the
 * master's producer controller and a {@link RolloutWork#consumer} per worker.
 */
@ExtendWith(TestKitJUnit5Extension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MasterProtocolTest {
    @JUnit5TestKit
    final ActorTestKit kit = new JUnit5TestKitBuilder().build();

    private static final ArithmeticTask TASK = new ArithmeticTask(Tokenizer.standard(), 2, false);
    private static final PromptPool POOL = new PromptPool(TASK, 5, 1L);
    private static final long SAMPLER_SEED = 7L;
    private static final PolicyVersion V0 = PolicyVersion.INITIAL;
    private static final PolicyVersion V1 = V0.next();
    private static final PolicyVersion V2 = V1.next();
    private static final Prompt OLD = TASK.prompt(77, 11, '+', 2);
    private static final List<Prompt> HELD_OUT = List.of(TASK.prompt(1, 2, '+', 1), TASK.prompt(3, 4, '+', 1));

    private static PromptSampler sampler() {
        return Samplers.registry().create("uniform", ConfigFactory.empty(), new Samplers.Context(POOL, SAMPLER_SEED));
    }

    private static final AtomicInteger RIGS = new AtomicInteger();

    /** What the checkpointer was asked to commit. */
    private record Committed(Checkpointer.RunState state, List<PartReply.Written> parts) {
    }

    /** A rollout batch as worker {@code worker} received it from its consumer. */
    private record Got(int worker, RolloutWorker.Rollout rollout) {
    }

    /** Everything a master talks to, as probes, plus a real arbiter. */
    private final class Rig {
        final TestProbe<RolloutWorker.Command> w0 = kit.createTestProbe();
        final TestProbe<RolloutWorker.Command> w1 = kit.createTestProbe();
        /** Every rollout batch either worker's consumer hands on, tagged with the worker. */
        final TestProbe<Got> rollouts = kit.createTestProbe();
        /** What each worker's consumer drives: forwards batches to {@link #rollouts}; stop one to lose a worker. */
        final List<ActorRef<RolloutWorker.Command>> runners = new ArrayList<>();
        final TestProbe<ReplayBuffer.Command> replay = kit.createTestProbe();
        final TestProbe<RewardActor.Command> reward = kit.createTestProbe();
        final TestProbe<Trainer.Command> trainer = kit.createTestProbe();
        final TestProbe<IterationReport> reports = kit.createTestProbe();
        final TestProbe<Committed> checkpoints = kit.createTestProbe();
        final TestProbe<Master.Finished> finished = kit.createTestProbe();
        final ActorRef<DeviceArbiter.Command> arbiter = kit.spawn(DeviceArbiter.create(1000));
        final Semaphore gate = new Semaphore(0);
        final ActorRef<Master.Command> master;

        /** {@code checkpointer} null: the {@link #gated()} one. */
        Rig(MasterSettings settings, Checkpointer checkpointer) {
            // A key of its own, so that no other test's consumers take this master's batches.
            ServiceKey<ConsumerController.Command<RolloutWork.Batch>> key = ServiceKey.create(
                    ConsumerController.serviceKeyClass(), "rollout-work-" + RIGS.incrementAndGet());
            for (int w = 0; w < 2; w++) {
                int worker = w;
                var runner = kit.spawn(Behaviors.receive(RolloutWorker.Command.class)
                        .onMessage(RolloutWorker.Rollout.class, r -> {
                            rollouts.ref().tell(new Got(worker, r));
                            return Behaviors.same();
                        }).build());
                runners.add(runner);
                kit.spawn(RolloutWork.consumer(runner, t -> { }, key));
            }
            master = kit.spawn(Master.create(Master.Setup.of(settings, sampler(),
                    new Master.Roles(List.of(w0.ref(), w1.ref()), replay.ref(), reward.ref(), trainer.ref(),
                            List.of(arbiter)), reports.ref()::tell)
                    .withCheckpointer(checkpointer != null ? checkpointer : gated()).withWorkKey(key)));
        }

        /** Answers the next {@code n} batches, from whichever worker they reach, with {@link #stats}. */
        List<Got> answer(int n) {
            return answer(n, Duration.ofSeconds(10));
        }

        List<Got> answer(int n, Duration within) {
            List<Got> out = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                Got g = rollouts.receiveMessage(within);
                out.add(g);
                g.rollout().replyTo().tell(new RolloutWorker.Done("w" + g.worker(), stats(g.rollout()),
                        g.worker() == 0 ? w0.ref() : w1.ref()));
            }
            return out;
        }

        /**
         * Answers both roles' part requests of checkpoint {@code iteration} (they come at once) and returns what
         * the master then commits; the commit waits for the gate.
         */
        Committed checkpointParts(int iteration, PolicyVersion version) {
            var t = trainer.expectMessageClass(Trainer.SavePart.class);
            var r = replay.expectMessageClass(ReplayBuffer.SavePart.class);
            assertEquals(iteration, t.iteration());
            assertEquals(iteration, r.iteration());
            var tw = new PartReply.Written(Trainer.PART, iteration, 100, 7, 0.01);
            var rw = new PartReply.Written(ReplayBuffer.PART, iteration, 10, 8, 0.01);
            t.replyTo().tell(tw);
            checkpoints.expectNoMessage(Duration.ofMillis(100));
            r.replyTo().tell(rw);
            Committed c = checkpoints.receiveMessage();
            assertEquals(Set.of(tw, rw), Set.copyOf(c.parts()), "the commit lists every part as written");
            assertEquals(version, c.state().version());
            return c;
        }

        /** A checkpointer that reports the state and then waits until the test opens the gate. */
        Checkpointer gated() {
            return (state, parts) -> {
                checkpoints.ref().tell(new Committed(state, parts));
                if (!gate.tryAcquire(10, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("test never opened the gate");
                }
            };
        }
    }

    private static MasterSettings settings(int iterations, int checkpointEvery) {
        return new MasterSettings(iterations, 2, 2, 4, 10, 3L, HELD_OUT, 2, 8, checkpointEvery, 2);
    }

    private static Trajectory cut(String id, Prompt p, int tokens) {
        int[] t = new int[tokens];
        float[] lp = new float[tokens];
        java.util.Arrays.fill(t, 5);
        java.util.Arrays.fill(lp, -1f);
        return Trajectory.start(id, p).append(new Segment(id, 0, t, lp, 0, FinishReason.TOKEN_BUDGET));
    }

    private static Trajectory finish(Trajectory t, int tokens, double reward) {
        int[] tok = new int[tokens];
        float[] lp = new float[tokens];
        java.util.Arrays.fill(tok, 6);
        java.util.Arrays.fill(lp, -0.5f);
        tok[tokens - 1] = Tokenizer.EOS;
        return t.append(new Segment(t.id(), t.segments().size(), tok, lp, 0, FinishReason.EOS)).withReward(reward);
    }

    private static List<String> ids(List<RolloutJob> jobs) {
        return jobs.stream().map(j -> j.trajectory().id()).toList();
    }

    /** What a worker answers for a batch: figures that add up to something checkable over an iteration. */
    private static RolloutStats stats(RolloutWorker.Rollout r) {
        int resumed = (int) r.jobs().stream().filter(RolloutJob::resumed).count();
        return new RolloutStats(r.jobs().size(), 4L * r.jobs().size(), 1, 0, resumed, 0, 0.25);
    }

    private static Set<List<String>> batchIds(List<Got> got) {
        Set<List<String>> out = new HashSet<>();
        got.forEach(g -> out.add(ids(g.rollout().jobs())));
        return out;
    }

    private static List<RolloutJob> jobs(List<Got> got) {
        return got.stream().flatMap(g -> g.rollout().jobs().stream()).toList();
    }

    private static List<String> trajectoryIds(List<Trajectory> ts) {
        return ts.stream().map(Trajectory::id).toList();
    }

    private static Trainer.Snapshot snapshot(PolicyVersion v) {
        Params params = Params.initialise(new PolicyConfig(TASK.tokenizer().vocabSize(), 8, 4, 1, 1, 4, 1L,
                DataType.FLOAT));
        return new Trainer.Snapshot(FlatWeights.export(params, v), Map.of("head", new float[] {0.5f}), 2);
    }

    @Test
    void drivesTwoIterations_throughEveryRole_inAFixedOrder() {
        Rig rig = new Rig(settings(2, 1), null);
        List<Prompt> expectedPrompts1 = sampler().next(1, 2);
        List<Prompt> expectedPrompts2 = sampler().next(2, 2);
        rig.master.tell(new Master.Start(1, V0, List.of(), false, rig.finished.ref()));

        // ---- Checkpoint 0 (the warm-up's result): both parts at once, then the commit, before iteration 1.
        Committed zero = rig.checkpointParts(0, V0);
        assertEquals(0, zero.state().iteration());
        assertTrue(zero.state().samplerStats().isEmpty());
        rig.replay.expectNoMessage(Duration.ofMillis(200));
        rig.gate.release();

        // ---- Iteration 1: resume the unfinished trajectories first, then k = 2 samples of 2 fresh prompts.
        var take = rig.replay.expectMessageClass(ReplayBuffer.TakeUnfinished.class);
        Trajectory old0 = cut("i0-q0/0", OLD, 4);
        Trajectory old1 = cut("i0-q0/1", OLD, 4);
        take.replyTo().tell(new ReplayBuffer.Unfinished(List.of(old1, old0)));
        // Six jobs, sorted by id, cut into 2 batches per worker: job i goes to batch i mod 4.
        List<Got> first = rig.answer(3);
        rig.replay.expectNoMessage(Duration.ofMillis(200));
        List<Got> batches = new ArrayList<>(first);
        batches.addAll(rig.answer(1));
        assertEquals(Set.of(List.of("i0-q0/0", "i1-q1/0"), List.of("i0-q0/1", "i1-q1/1"), List.of("i1-q0/0"),
                List.of("i1-q0/1")), batchIds(batches));
        assertEquals(Set.of(0, 1), Set.copyOf(batches.stream().map(Got::worker).toList()),
                "two batches per worker fill both workers' windows");
        Map<String, RolloutJob> byId = new java.util.HashMap<>();
        jobs(batches).forEach(j -> byId.put(j.trajectory().id(), j));
        batches.forEach(g -> assertEquals(V0, g.rollout().version()));
        assertSame(old0, byId.get("i0-q0/0").trajectory());
        assertSame(old1, byId.get("i0-q0/1").trajectory());
        assertTrue(byId.get("i0-q0/0").resumed());
        for (int j = 0; j < 2; j++) {
            assertEquals(expectedPrompts1.get(0), byId.get("i1-q0/" + j).trajectory().prompt());
            assertEquals(expectedPrompts1.get(1), byId.get("i1-q1/" + j).trajectory().prompt());
            assertTrue(byId.get("i1-q0/" + j).trajectory().segments().isEmpty());
        }
        for (RolloutJob j : byId.values()) {
            assertEquals(4, j.tokenBudget(), j.toString());
            assertFalse(j.lastChunk());
        }
        var seeds = new HashSet<Long>();
        byId.values().forEach(j -> seeds.add(j.seed()));
        assertEquals(6, seeds.size(), "every trajectory has its own random stream");

        var takeBatch = rig.replay.expectMessageClass(ReplayBuffer.TakeBatch.class);
        assertEquals(6, takeBatch.afterReceived(), "wait for every job's trajectory");

        Trajectory a0 = finish(old0, 2, 1);
        Trajectory a1 = finish(old1, 3, 0);
        Trajectory b0 = finish(Trajectory.start("i1-q1/0", expectedPrompts1.get(1)), 2, 1);
        Trajectory b1 = finish(Trajectory.start("i1-q1/1", expectedPrompts1.get(1)), 4, 1);
        takeBatch.replyTo().tell(new ReplayBuffer.Groups(List.of(List.of(b1, b0), List.of(a1, a0))));
        var shape = rig.reward.expectMessageClass(RewardActor.ShapeGroups.class);
        assertEquals(1, shape.iteration());
        assertEquals(List.of(List.of(a0, a1), List.of(b0, b1)), shape.groups(), "groups and members sorted by id");

        List<Trajectory> shaped = List.of(a0.withReward(1.25), a1.withReward(-0.25), b0.withReward(1.1),
                b1.withReward(0.9));
        shape.replyTo().tell(new RewardActor.Shaped(shaped));
        var train = rig.trainer.expectMessageClass(Trainer.Train.class);
        assertEquals(V0, train.batch().version());
        assertEquals(shaped, train.batch().trajectories());

        train.replyTo().tell(new Trainer.Trained(V1, 0.42, 4, 2, 0.01));
        var l0 = rig.w0.expectMessageClass(RolloutWorker.LoadWeights.class);
        var l1 = rig.w1.expectMessageClass(RolloutWorker.LoadWeights.class);
        assertEquals(V1, l0.version());
        assertEquals(V1, l1.version());
        assertNull(l0.weights(), "colocated: the workers share the trainer's arrays");
        l0.replyTo().tell(new RolloutWorker.Loaded("w0", V1, rig.w0.ref()));
        rig.reports.expectNoMessage(Duration.ofMillis(200));
        l1.replyTo().tell(new RolloutWorker.Loaded("w1", V1, rig.w1.ref()));

        IterationReport rep1 = rig.reports.receiveMessage();
        assertEquals(1, rep1.iteration());
        assertEquals(V1, rep1.version());
        assertEquals(4, rep1.trainedSamples());
        assertEquals((1.25 - 0.25 + 1.1 + 0.9) / 4, rep1.meanReward(), 1e-12);
        assertEquals((6 + 7 + 2 + 4) / 4.0, rep1.meanResponseLength(), 1e-12);
        assertTrue(Double.isNaN(rep1.heldOutAccuracy()), "no evaluation at iteration 1 of 2 with evalEvery 2");
        assertEquals(new RolloutStats(6, 24, 4, 0, 2, 0, 1.0), rep1.rollout(), "the four batches' answers added");
        assertEquals(0.42, rep1.loss());
        assertEquals(0.0, rep1.handoffMillis(), "nobody used the arbiter");

        // Checkpoint after iteration 1, before iteration 2 begins: the roles write their parts, the master commits.
        Committed committed = rig.checkpointParts(1, V1);
        Checkpointer.RunState state = committed.state();
        assertEquals(1, state.iteration());
        assertEquals(V1, state.version());
        Trajectory left = cut("i1-q0/0", expectedPrompts1.get(0), 8);
        assertEquals(new HashSet<>(List.of(OLD.id(), expectedPrompts1.get(1).id())), state.samplerStats().keySet());
        assertEquals(List.of(1.0, 2.0), toList(state.samplerStats().get(OLD.id())), "i0-q0: one of two solved");
        assertEquals(List.of(2.0, 2.0), toList(state.samplerStats().get(expectedPrompts1.get(1).id())));
        rig.replay.expectNoMessage(Duration.ofMillis(300));
        rig.gate.release();

        // ---- Iteration 2, at v1: the left-over trajectory has 2 tokens to go before the maximum of 10.
        take = rig.replay.expectMessageClass(ReplayBuffer.TakeUnfinished.class);
        take.replyTo().tell(new ReplayBuffer.Unfinished(List.of(left)));
        batches = rig.answer(4);
        assertEquals(Set.of(List.of("i1-q0/0", "i2-q1/1"), List.of("i2-q0/0"), List.of("i2-q0/1"),
                List.of("i2-q1/0")), batchIds(batches));
        byId.clear();
        jobs(batches).forEach(j -> byId.put(j.trajectory().id(), j));
        batches.forEach(g -> assertEquals(V1, g.rollout().version()));
        assertEquals(2, byId.get("i1-q0/0").tokenBudget());
        assertTrue(byId.get("i1-q0/0").lastChunk());
        assertEquals(expectedPrompts2.get(0), byId.get("i2-q0/0").trajectory().prompt());
        assertEquals(expectedPrompts2.get(1), byId.get("i2-q1/0").trajectory().prompt());
        takeBatch = rig.replay.expectMessageClass(ReplayBuffer.TakeBatch.class);
        assertEquals(11, takeBatch.afterReceived(), "counted over the whole run: 6 + 5");
        Trajectory c0 = finish(Trajectory.start("i2-q0/0", expectedPrompts2.get(0)), 3, 0);
        Trajectory c1 = finish(Trajectory.start("i2-q0/1", expectedPrompts2.get(0)), 3, 0);
        takeBatch.replyTo().tell(new ReplayBuffer.Groups(List.of(List.of(c1, c0))));
        shape = rig.reward.expectMessageClass(RewardActor.ShapeGroups.class);
        assertEquals(2, shape.iteration());
        assertEquals(List.of(List.of(c0, c1)), shape.groups());
        shape.replyTo().tell(new RewardActor.Shaped(List.of(c0, c1)));
        train = rig.trainer.expectMessageClass(Trainer.Train.class);
        assertEquals(V1, train.batch().version());
        train.replyTo().tell(new Trainer.Trained(V2, 0.3, 2, 2, 0.01));
        l0 = rig.w0.expectMessageClass(RolloutWorker.LoadWeights.class);
        l1 = rig.w1.expectMessageClass(RolloutWorker.LoadWeights.class);
        assertEquals(V2, l0.version());
        l1.replyTo().tell(new RolloutWorker.Loaded("w1", V2, rig.w1.ref()));
        l0.replyTo().tell(new RolloutWorker.Loaded("w0", V2, rig.w0.ref()));

        // The last iteration evaluates on the held-out prompts, then checkpoints, then finishes.
        var evaluate = rig.trainer.expectMessageClass(Trainer.Evaluate.class);
        assertEquals(HELD_OUT, evaluate.prompts());
        assertEquals(8, evaluate.maxNewTokens());
        evaluate.replyTo().tell(new Evaluator.Result(0.5, 3.0, 2));
        IterationReport rep2 = rig.reports.receiveMessage();
        assertEquals(2, rep2.iteration());
        assertEquals(V2, rep2.version());
        assertEquals(0.5, rep2.heldOutAccuracy());
        assertEquals(new RolloutStats(5, 20, 4, 0, 1, 0, 1.0), rep2.rollout());
        assertEquals(2, rig.checkpointParts(2, V2).state().iteration());
        rig.finished.expectNoMessage(Duration.ofMillis(200));
        rig.gate.release();
        Master.Finished done = rig.finished.receiveMessage();
        assertEquals(V2, done.version());
        assertEquals(List.of(rep1, rep2), done.reports());
        rig.finished.expectTerminated(rig.master);
        rig.trainer.expectNoMessage(Duration.ofMillis(100));
    }

    private static List<Double> toList(double[] a) {
        return a == null ? null : java.util.Arrays.stream(a).boxed().toList();
    }

    @Test
    void restoredStart_refillsTheReplayBufferBeforeTheFirstIteration() {
        Rig rig = new Rig(settings(3, 0), Checkpointer.NONE);
        Trajectory left = cut("i1-q0/0", OLD, 4);
        rig.master.tell(new Master.Start(2, V1, List.of(left), true, rig.finished.ref()));
        // The workers start at the initial version: they switch to the checkpoint's before anything else.
        rig.replay.expectNoMessage(Duration.ofMillis(200));
        for (var w : List.of(rig.w0, rig.w1)) {
            var load = w.expectMessageClass(RolloutWorker.LoadWeights.class);
            assertEquals(V1, load.version());
            load.replyTo().tell(new RolloutWorker.Loaded("w", V1, w.ref()));
        }
        var restore = rig.replay.expectMessageClass(ReplayBuffer.Restore.class);
        assertEquals(List.of(left), restore.trajectories());
        assertEquals(0, restore.received());
        rig.replay.expectNoMessage(Duration.ofMillis(200));
        restore.replyTo().tell(ReplayBuffer.Ack.INSTANCE);
        var take = rig.replay.expectMessageClass(ReplayBuffer.TakeUnfinished.class);
        take.replyTo().tell(new ReplayBuffer.Unfinished(List.of(left)));
        List<Got> batches = rig.answer(4);
        batches.forEach(g -> assertEquals(V1, g.rollout().version(), "the workers hold the restored version"));
        assertEquals(Set.of(List.of("i1-q0/0", "i2-q1/1"), List.of("i2-q0/0"), List.of("i2-q0/1"),
                List.of("i2-q1/0")), batchIds(batches));
        // Iteration 2 of a resumed run draws what iteration 2 of the uninterrupted run would.
        List<Prompt> expected = sampler().next(2, 2);
        for (RolloutJob j : jobs(batches)) {
            if (j.trajectory().id().startsWith("i2-q0")) {
                assertEquals(expected.get(0), j.trajectory().prompt());
            }
        }
    }

    @Test
    void startOutsideTheSchedule_failsTheMaster() {
        Rig rig = new Rig(settings(2, 0), Checkpointer.NONE);
        LoggingTestKit.error(IllegalArgumentException.class).withMessageContains("start iteration 3 must be in 1..2")
                .expect(kit.system(), () -> {
                    rig.master.tell(new Master.Start(3, V0, List.of(), false, rig.finished.ref()));
                    return null;
                });
        rig.finished.expectTerminated(rig.master);
        rig.replay.expectNoMessage(Duration.ofMillis(100));
    }

    @Test
    void failedCommit_stopsTheRun_withTheCause() {
        Rig rig = new Rig(settings(2, 1), (state, parts) -> {
            throw new IOException("disk full");
        });
        rig.master.tell(new Master.Start(1, V0, List.of(), false, rig.finished.ref()));
        rig.replay.expectMessageClass(ReplayBuffer.SavePart.class).replyTo()
                .tell(new PartReply.Written(ReplayBuffer.PART, 0, 10, 1, 0));
        var save = rig.trainer.expectMessageClass(Trainer.SavePart.class);
        LoggingTestKit.error(IllegalStateException.class)
                .withMessageContains("run stopped: checkpoint after iteration 0 failed: disk full")
                .expect(kit.system(), () -> {
                    save.replyTo().tell(new PartReply.Written(Trainer.PART, 0, 10, 1, 0));
                    return null;
                });
        rig.finished.expectTerminated(rig.master);
        rig.replay.expectNoMessage(Duration.ofMillis(100));
    }

    @Test
    void failedPart_stopsTheRun_namingThePart() {
        Rig rig = new Rig(settings(2, 1), null);
        rig.master.tell(new Master.Start(1, V0, List.of(), false, rig.finished.ref()));
        rig.replay.expectMessageClass(ReplayBuffer.SavePart.class).replyTo()
                .tell(new PartReply.Written(ReplayBuffer.PART, 0, 10, 1, 0));
        var save = rig.trainer.expectMessageClass(Trainer.SavePart.class);
        LoggingTestKit.error(IllegalStateException.class)
                .withMessageContains("the trainer part of the checkpoint after iteration 0 was not written: no space")
                .expect(kit.system(), () -> {
                    save.replyTo().tell(new PartReply.Failed(Trainer.PART, 0, "no space"));
                    return null;
                });
        rig.finished.expectTerminated(rig.master);
        rig.checkpoints.expectNoMessage(Duration.ofMillis(100));
    }

    @Test
    void lostTrainer_drainsTheBatchesThatAreOut_thenStopsWithRoleLost() {
        Rig rig = new Rig(settings(1, 0), Checkpointer.NONE);
        rig.master.tell(new Master.Start(1, V0, List.of(), false, rig.finished.ref()));
        rig.replay.expectMessageClass(ReplayBuffer.TakeUnfinished.class).replyTo()
                .tell(new ReplayBuffer.Unfinished(List.of()));
        Got a = rig.rollouts.receiveMessage(Duration.ofSeconds(10));
        Got b = rig.rollouts.receiveMessage(Duration.ofSeconds(10));
        rig.trainer.stop();
        // Every batch handed out must be done and stored before the master stops: nothing of the abandoned
        // iteration may reach the buffer after a rewind.
        rig.finished.expectNoMessage(Duration.ofMillis(300));
        for (Got g : List.of(a, b)) {
            g.rollout().replyTo().tell(new RolloutWorker.Done("w", stats(g.rollout()), rig.w0.ref()));
        }
        // The batches the workers held run too, as many as the work pulling had handed out before the drain.
        LoggingTestKit.error(Master.RoleLost.class).withMessageContains("role trainer at ")
                .withMessageContains("is gone in iteration 1").expect(kit.system(), () -> {
                    for (int held = 0; held < 2; held++) {
                        try {
                            rig.answer(1, Duration.ofSeconds(1));
                        } catch (AssertionError noneLeft) {
                            break;
                        }
                    }
                    return null;
                });
        rig.finished.expectTerminated(rig.master);
        rig.replay.expectNoMessage(Duration.ofMillis(100));
    }

    @Test
    void lostWorker_itsUnconfirmedBatchesGoToTheOther_andEachBatchCountsOnce() {
        Rig rig = new Rig(settings(1, 0), Checkpointer.NONE);
        rig.master.tell(new Master.Start(1, V0, List.of(), false, rig.finished.ref()));
        rig.replay.expectMessageClass(ReplayBuffer.TakeUnfinished.class).replyTo()
                .tell(new ReplayBuffer.Unfinished(List.of()));
        // Four one-job batches: each worker runs one and holds one more.
        Got a = rig.rollouts.receiveMessage(Duration.ofSeconds(10));
        Got b = rig.rollouts.receiveMessage(Duration.ofSeconds(10));
        assertEquals(Set.of(0, 1), Set.of(a.worker(), b.worker()));
        Got lost = a.worker() == 1 ? a : b;
        Got kept = a.worker() == 1 ? b : a;
        kit.stop(rig.runners.get(1));
        kept.rollout().replyTo().tell(new RolloutWorker.Done("w0", stats(kept.rollout()), rig.w0.ref()));
        // Worker 1 never answered: its running batch and the one it held go to worker 0, with worker 0's own.
        List<Got> rest = rig.answer(3);
        rest.forEach(g -> assertEquals(0, g.worker()));
        List<String> all = new ArrayList<>(ids(kept.rollout().jobs()));
        rest.forEach(g -> all.addAll(ids(g.rollout().jobs())));
        assertEquals(Set.of("i1-q0/0", "i1-q0/1", "i1-q1/0", "i1-q1/1"), Set.copyOf(all));
        assertEquals(4, all.size(), "no batch ran twice on the surviving worker");
        assertTrue(all.containsAll(ids(lost.rollout().jobs())));
        var takeBatch = rig.replay.expectMessageClass(ReplayBuffer.TakeBatch.class);
        assertEquals(4, takeBatch.afterReceived());
        // A late answer for a batch already counted (the lost worker's, say) changes nothing.
        lost.rollout().replyTo().tell(new RolloutWorker.Done("w1", stats(lost.rollout()), rig.w1.ref()));
        rig.replay.expectNoMessage(Duration.ofMillis(200));
    }
}
