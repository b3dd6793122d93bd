package dev.tributary.actors.master;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import dev.tributary.actors.checkpoint.PartReply;
import dev.tributary.actors.device.DeviceArbiter;
import dev.tributary.actors.replay.ReplayBuffer;
import dev.tributary.actors.reward.RewardActor;
import dev.tributary.actors.rollout.RolloutStats;
import dev.tributary.actors.rollout.RolloutWork;
import dev.tributary.actors.rollout.RolloutWorker;
import dev.tributary.actors.sampling.PromptPool;
import dev.tributary.actors.sampling.Samplers;
import dev.tributary.actors.trainer.Trainer;
import dev.tributary.model.PolicyVersion;
import dev.tributary.model.Prompt;
import dev.tributary.model.task.ArithmeticTask;
import dev.tributary.model.token.Tokenizer;
import dev.tributary.model.train.Evaluator;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.testkit.typed.annotations.JUnit5TestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.JUnit5TestKitBuilder;
import org.apache.pekko.actor.testkit.typed.javadsl.LoggingTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestKitJUnit5Extension;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.delivery.ConsumerController;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The synchronous driver asks the roles in the order of its phases. Every role is one forwarding actor writing to a
 * single log, so the log is the order in which the master asked; two device arbiters show the hand-off summed.
 */
@ExtendWith(TestKitJUnit5Extension.class)
class SynchronousDriverTest {
    @JUnit5TestKit
    final ActorTestKit kit = new JUnit5TestKitBuilder().build();

    private static final ArithmeticTask TASK = new ArithmeticTask(Tokenizer.standard(), 2, false);
    private static final List<Prompt> HELD_OUT = List.of(TASK.prompt(1, 2, '+', 1));

    /** A message a role received. */
    private record Asked(String role, Object message) {
    }

    private final TestProbe<Asked> log = kit.createTestProbe();

    private <T> Behavior<T> forwarding(String role) {
        return Behaviors.receive((ctx, m) -> {
            log.ref().tell(new Asked(role, m));
            return Behaviors.same();
        });
    }

    private <T> T expect(String role, Class<T> type) {
        Asked a = log.receiveMessage();
        assertEquals(role, a.role(), "asked " + a);
        return assertInstanceOf(type, a.message(), "asked " + a);
    }

    /**
     * Both roles' part requests of checkpoint {@code iteration}, in whichever order they arrive, answered as
     * written; returns what the master then commits.
     */
    private Checkpointer.RunState checkpoint(Rig rig, int iteration) {
        for (int i = 0; i < 2; i++) {
            Asked a = log.receiveMessage();
            if (a.message() instanceof Trainer.SavePart t && a.role().equals("trainer")) {
                assertEquals(iteration, t.iteration());
                t.replyTo().tell(new PartReply.Written(Trainer.PART, iteration, 1, 1, 0));
            } else if (a.message() instanceof ReplayBuffer.SavePart r && a.role().equals("replay")) {
                assertEquals(iteration, r.iteration());
                r.replyTo().tell(new PartReply.Written(ReplayBuffer.PART, iteration, 1, 1, 0));
            } else {
                throw new AssertionError("expected the parts of checkpoint " + iteration + ", asked " + a);
            }
        }
        return rig.saved.receiveMessage();
    }

    /** The roles as forwarding actors, named after their role, and a master over them. */
    private final class Rig {
        final List<ActorRef<RolloutWorker.Command>> workers = new ArrayList<>();
        final List<ActorRef<DeviceArbiter.Command>> arbiters = new ArrayList<>();
        final ActorRef<ReplayBuffer.Command> replay = kit.spawn(forwarding("replay"), "replay");
        final ActorRef<RewardActor.Command> reward = kit.spawn(forwarding("reward"), "reward");
        final ActorRef<Trainer.Command> trainer = kit.spawn(forwarding("trainer"), "trainer");
        final TestProbe<IterationReport> reports = kit.createTestProbe();
        final TestProbe<Checkpointer.RunState> saved = kit.createTestProbe();
        final TestProbe<Master.Finished> finished = kit.createTestProbe();
        final ActorRef<Master.Command> master;

        /** Workers each log as "worker"; arbiters each as "arbiter". */
        Rig(int workerCount, int arbiterCount, MasterSettings settings) {
            ServiceKey<ConsumerController.Command<RolloutWork.Batch>> key = ServiceKey.create(
                    ConsumerController.serviceKeyClass(), "rollout-work-driver-test");
            for (int w = 0; w < workerCount; w++) {
                ActorRef<RolloutWorker.Command> worker = kit.spawn(forwarding("worker"), "worker-" + w);
                kit.spawn(RolloutWork.consumer(worker, t -> { }, key));
                workers.add(worker);
            }
            for (int a = 0; a < arbiterCount; a++) {
                arbiters.add(kit.spawn(forwarding("arbiter")));
            }
            var sampler = Samplers.registry().create("uniform", ConfigFactory.empty(),
                    new Samplers.Context(new PromptPool(TASK, 5, 1L), 7L));
            var roles = new Master.Roles(workers, replay, reward, trainer, arbiters);
            master = kit.spawn(Master.create(Master.Setup.of(settings, sampler, roles, reports.ref()::tell)
                    .withCheckpointer((state, parts) -> saved.ref().tell(state)).withWorkKey(key)));
            master.tell(new Master.Start(1, PolicyVersion.INITIAL, List.of(), false, finished.ref()));
        }

        /** begin → rollout, one batch answered by whichever worker got it; it returns once the groups are asked. */
        ReplayBuffer.TakeBatch rollOut(PolicyVersion v) {
            expect("replay", ReplayBuffer.TakeUnfinished.class).replyTo().tell(new ReplayBuffer.Unfinished(List.of()));
            var rollout = expect("worker", RolloutWorker.Rollout.class);
            assertEquals(v, rollout.version());
            rollout.replyTo().tell(new RolloutWorker.Done("w", new RolloutStats(1, 4, 0, 1, 0, 0, 0.5),
                    workers.get(0)));
            return expect("replay", ReplayBuffer.TakeBatch.class);
        }
    }

    /** Two iterations of one job each; evaluation and checkpoint only after the second. */
    private static MasterSettings settings() {
        return new MasterSettings(2, 1, 1, 4, 10, 3L, HELD_OUT, 2, 8, 2, 1);
    }

    @Test
    void asksTheRoles_phaseByPhase_andSumsTheHandoffOverArbiters() {
        Rig rig = new Rig(1, 2, settings());
        double[][] arbiterTotals = {{10.0, 5.0}, {12.0, 9.0}};
        PolicyVersion v = PolicyVersion.INITIAL;
        assertEquals(0, checkpoint(rig, 0).iteration(), "the warm-up's result is checkpoint 0");
        for (int iteration = 1; iteration <= 2; iteration++) {
            // begin → rollout → groups → shape → train
            var take = rig.rollOut(v);
            assertEquals(iteration, take.afterReceived());
            take.replyTo().tell(new ReplayBuffer.Groups(List.of()));
            var shape = expect("reward", RewardActor.ShapeGroups.class);
            assertEquals(iteration, shape.iteration());
            shape.replyTo().tell(new RewardActor.Shaped(List.of()));
            var train = expect("trainer", Trainer.Train.class);
            assertEquals(v, train.batch().version());
            v = v.next();
            train.replyTo().tell(new Trainer.Trained(v, 0.25 * iteration, 0, 1, 0.01));
            // sync → device stats, from both arbiters in either order
            var load = expect("worker", RolloutWorker.LoadWeights.class);
            assertEquals(v, load.version());
            load.replyTo().tell(new RolloutWorker.Loaded("w", v, rig.workers.get(0)));
            var first = expect("arbiter", DeviceArbiter.GetStats.class);
            var second = expect("arbiter", DeviceArbiter.GetStats.class);
            first.replyTo().tell(new DeviceArbiter.Stats(1, arbiterTotals[iteration - 1][0], 1.0, 0));
            second.replyTo().tell(new DeviceArbiter.Stats(1, arbiterTotals[iteration - 1][1], 1.0, 0));
            // [evaluate] → report → [checkpoint]: both only at iteration 2, the last, with evalEvery = 2
            double accuracy = Double.NaN;
            if (iteration == 2) {
                expect("trainer", Trainer.Evaluate.class).replyTo().tell(new Evaluator.Result(0.75, 3.0, 1));
                accuracy = 0.75;
            }
            IterationReport report = rig.reports.receiveMessage();
            assertEquals(iteration, report.iteration());
            assertEquals(v, report.version());
            assertEquals(0.25 * iteration, report.loss());
            assertEquals(iteration == 1 ? 15.0 : 6.0, report.handoffMillis(), "the arbiters' deltas added");
            assertEquals(accuracy, report.heldOutAccuracy());
            assertEquals(new RolloutStats(1, 4, 0, 1, 0, 0, 0.5), report.rollout());
            assertTrue(report.rolloutSeconds() >= 0 && report.seconds() >= report.rolloutSeconds(), report.toString());
        }
        assertEquals(2, checkpoint(rig, 2).iteration());
        Master.Finished done = rig.finished.receiveMessage();
        assertEquals(v, done.version());
        assertEquals(List.of(1, 2), done.reports().stream().map(IterationReport::iteration).toList());
        rig.finished.expectTerminated(rig.master);
    }

    @Test
    void lostTrainer_failsTheMaster_namingTheRoleAndTheIteration() {
        Rig rig = new Rig(1, 0, settings());
        checkpoint(rig, 0);
        expect("replay", ReplayBuffer.TakeUnfinished.class);
        LoggingTestKit.error(Master.RoleLost.class)
                .withMessageRegex("role trainer at .* is gone in iteration 1")
                .expect(kit.system(), () -> {
                    kit.stop(rig.trainer);
                    return null;
                });
        rig.finished.expectTerminated(rig.master);
    }

    @Test
    void workerLostDuringSync_isNotWaitedFor_andGetsNoMoreWork() {
        Rig rig = new Rig(2, 0, settings());
        checkpoint(rig, 0);
        var take = rig.rollOut(PolicyVersion.INITIAL);
        take.replyTo().tell(new ReplayBuffer.Groups(List.of()));
        expect("reward", RewardActor.ShapeGroups.class).replyTo().tell(new RewardActor.Shaped(List.of()));
        PolicyVersion v1 = PolicyVersion.INITIAL.next();
        expect("trainer", Trainer.Train.class).replyTo().tell(new Trainer.Trained(v1, 0.5, 0, 1, 0.01));
        expect("worker", RolloutWorker.LoadWeights.class);
        var load = expect("worker", RolloutWorker.LoadWeights.class);
        ActorRef<RolloutWorker.Command> lost = rig.workers.get(1);
        LoggingTestKit.warn("rollout worker " + lost.path() + " is gone in iteration 1").expect(kit.system(), () -> {
            kit.stop(lost);
            return null;
        });
        load.replyTo().tell(new RolloutWorker.Loaded("w0", v1, rig.workers.get(0)));
        assertEquals(1, rig.reports.receiveMessage().iteration(), "only the live worker's load was awaited");
        assertEquals(2, rig.rollOut(v1).afterReceived(), "iteration 2's batch ran on the live worker");
    }

    @Test
    void aWorkerThatJoinsMidRun_isSyncedWithTheOthers() {
        Rig rig = new Rig(1, 0, settings());
        checkpoint(rig, 0);
        var take = rig.rollOut(PolicyVersion.INITIAL);
        // A rollout node joins while iteration 1 collects its groups: its worker is listed with the first one.
        ActorRef<RolloutWorker.Command> late = kit.spawn(forwarding("late worker"), "late-worker");
        rig.master.tell(new Master.Workers(List.of(rig.workers.get(0), late)));
        take.replyTo().tell(new ReplayBuffer.Groups(List.of()));
        expect("reward", RewardActor.ShapeGroups.class).replyTo().tell(new RewardActor.Shaped(List.of()));
        PolicyVersion v1 = PolicyVersion.INITIAL.next();
        expect("trainer", Trainer.Train.class).replyTo().tell(new Trainer.Trained(v1, 0.5, 0, 1, 0.01));
        List<String> loaded = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            Asked a = log.receiveMessage();
            var load = assertInstanceOf(RolloutWorker.LoadWeights.class, a.message(), "asked " + a);
            assertEquals(v1, load.version());
            loaded.add(a.role());
        }
        assertEquals(List.of("late worker", "worker"), loaded.stream().sorted().toList(),
                "the worker that joined loads the new version with the first");
    }

    @Test
    void anArbiterThatDoesNotAnswer_isWaitedForOnce_thenNotAskedAgain() {
        Rig rig = new Rig(1, 2, settings());
        checkpoint(rig, 0);
        PolicyVersion v = PolicyVersion.INITIAL;
        for (int iteration = 1; iteration <= 2; iteration++) {
            var take = rig.rollOut(v);
            take.replyTo().tell(new ReplayBuffer.Groups(List.of()));
            expect("reward", RewardActor.ShapeGroups.class).replyTo().tell(new RewardActor.Shaped(List.of()));
            v = v.next();
            expect("trainer", Trainer.Train.class).replyTo().tell(new Trainer.Trained(v, 0.5, 0, 1, 0.01));
            var load = expect("worker", RolloutWorker.LoadWeights.class);
            load.replyTo().tell(new RolloutWorker.Loaded("w", v, rig.workers.get(0)));
            if (iteration == 1) {
                // Both are asked; one answers, the other (its node gone) never does.
                expect("arbiter", DeviceArbiter.GetStats.class).replyTo().tell(new DeviceArbiter.Stats(1, 4.0, 1, 0));
                expect("arbiter", DeviceArbiter.GetStats.class);
            } else {
                var only = expect("arbiter", DeviceArbiter.GetStats.class);
                only.replyTo().tell(new DeviceArbiter.Stats(1, 6.0, 1, 0));
            }
            if (iteration == 2) {
                expect("trainer", Trainer.Evaluate.class).replyTo().tell(new Evaluator.Result(0.5, 3.0, 1));
            }
            assertEquals(iteration, rig.reports.receiveMessage(Duration.ofSeconds(10)).iteration());
        }
        assertEquals(2, checkpoint(rig, 2).iteration(), "the run ends without asking the silent arbiter again");
    }
}
