package dev.tributary.actors.serialization;

import dev.tributary.actors.checkpoint.PartReply;
import dev.tributary.actors.device.DeviceArbiter;
import dev.tributary.actors.master.IterationReport;
import dev.tributary.actors.master.Staleness;
import dev.tributary.actors.master.Master;
import dev.tributary.actors.master.RunFailed;
import dev.tributary.actors.replay.ReplayBuffer;
import dev.tributary.actors.reward.RewardActor;
import dev.tributary.actors.reward.RewardModelServer;
import dev.tributary.actors.rollout.RolloutJob;
import dev.tributary.actors.rollout.RolloutStats;
import dev.tributary.actors.rollout.RolloutWork;
import dev.tributary.actors.rollout.RolloutWorker;
import dev.tributary.actors.stream.SegmentRoute;
import dev.tributary.actors.stream.SegmentStream;
import dev.tributary.actors.trainer.Trainer;
import dev.tributary.model.FinishReason;
import dev.tributary.model.PolicyVersion;
import dev.tributary.model.Prompt;
import dev.tributary.model.Segment;
import dev.tributary.model.Trajectory;
import dev.tributary.model.TrajectoryBatch;
import dev.tributary.model.train.Evaluator;
import dev.tributary.model.weights.FlatWeights;
import dev.tributary.model.weights.WeightLayout;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.stream.SinkRef;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.StreamRefs;

/**
 * One hand-built instance of every protocol type, every component set (no nulls), refs of real test probes. A
 * record that gains a component breaks the build here; a new protocol record without a sample fails the test.
 */
final class ProtocolSamples {
    private ProtocolSamples() {
    }

    static Map<Class<?>, Object> all(ActorTestKit kit) {
        Prompt prompt = new Prompt("q-3", new int[] {1, 7, 4}, "arithmetic", 1, "11");
        String id = "g/0";
        Segment cut = new Segment(id, 0, new int[] {5, 6}, new float[] {-0.5f, -0.25f}, 2, FinishReason.TOKEN_BUDGET);
        Segment end = new Segment(id, 1, new int[] {2}, new float[] {-1f}, 3, FinishReason.EOS);
        Trajectory unfinished = Trajectory.start(id, prompt).append(cut);
        Trajectory scored = unfinished.append(end).withReward(1.0);
        PolicyVersion v = new PolicyVersion(3);
        WeightLayout.Entry entry = new WeightLayout.Entry("w", new long[] {2, 2}, 0);
        WeightLayout layout = new WeightLayout(List.of(entry));
        FlatWeights weights = FlatWeights.of(v, layout, new float[] {0.5f, -1f, 2f, 0f});
        TrajectoryBatch batch = new TrajectoryBatch(v, List.of(scored));
        RolloutStats stats = new RolloutStats(4, 90, 2, 1, 1, 1, 0.75, 30, 120);
        IterationReport report = new IterationReport(2, v, 8, 0.5, 12.5, Double.NaN, stats, 0.125, 1.5, 2.5, 0.25,
                3.0, 4.5, new Staleness(1, 2, 3, 4));
        Evaluator.Result result = new Evaluator.Result(0.75, 9.5, 16);
        Map<String, float[]> moments = new HashMap<>();
        moments.put("m.w", new float[] {0.1f, 0.2f, 0.3f, 0.4f});
        moments.put("v.w", new float[] {0.01f, 0.02f, 0.03f, 0.04f});

        Map<Class<?>, Object> s = new LinkedHashMap<>();
        Prompt withImage = new Prompt("digits:sum?4,8@1111", new int[] {1, 20, 21}, "digits", 2, "12",
                List.of(new dev.tributary.model.Image(2, 3, 1, new float[] {0f, 0.25f, 0.5f, 0.75f, 1f, 0.125f})));
        put(s, prompt, cut, unfinished, v, FinishReason.MAX_CONTEXT, entry, layout, weights, batch, stats, report,
                report.staleness(), result);
        // The Prompt sample carries an image (a text prompt is in every trajectory sample above).
        put(s, withImage, withImage.images().get(0));

        put(s, new Master.Start(2, v, List.of(unfinished), true, ref(kit)),
                new Master.Finished(v, List.of(report, report)),
                new Master.Workers(List.of(ref(kit), ref(kit))),
                new Master.Roles(List.of(ref(kit), ref(kit)), ref(kit), ref(kit), ref(kit), List.of(ref(kit), ref(kit))));

        put(s, new RolloutWorker.Rollout(List.of(new RolloutJob(unfinished, 16, 42L, true)), v, ref(kit)),
                new RolloutWorker.LoadWeights(v, weights, ref(kit)),
                new RolloutWorker.Done("worker-1", stats, ref(kit)),
                new RolloutWorker.Loaded("worker-1", v, ref(kit)),
                RolloutWorker.Abandon.INSTANCE,
                new RolloutWorker.Quiesce(ref(kit)),
                new RolloutWorker.Quiet("worker-1", ref(kit)),
                new RolloutWorker.NewVersion(v),
                new SegmentRoute.Route(ref(kit), ref(kit), ref(kit)),
                new SegmentRoute.Routed("127.0.0.1:25521", ref(kit)),
                new RolloutJob(Trajectory.start("g/1", prompt), 8, -7L, false),
                new RolloutWork.Batch("i2-b1", List.of(new RolloutJob(unfinished, 16, 42L, true)), v, ref(kit)),
                new RolloutWork.BatchDone("i2-b1", new RolloutWorker.Done("worker-1", stats, ref(kit))));

        SinkRef<SegmentStream.Element> sink = StreamRefs.<SegmentStream.Element>sinkRef().to(Sink.ignore())
                .run(kit.system());
        put(s, new SegmentStream.Emitted(unfinished),
                new SegmentStream.Flush(7L, ref(kit)),
                new SegmentStream.Flushed(7L),
                new SegmentStream.Opened(sink),
                new ReplayBuffer.OpenStream(ref(kit)),
                new ReplayBuffer.FlushMarker(new SegmentStream.Flush(8L, ref(kit)), ref(kit)),
                new RewardActor.OpenStream(sink, 4, 120_000L, ref(kit)));

        put(s, new ReplayBuffer.Offer(scored, ref(kit)),
                new ReplayBuffer.StreamStarted(ref(kit)),
                new ReplayBuffer.StreamEnded(new IllegalStateException("rollout node lost")),
                new ReplayBuffer.TakeBatch(12, ref(kit)),
                new ReplayBuffer.TakeUnfinished(ref(kit)),
                new ReplayBuffer.GetContents(ref(kit)),
                new ReplayBuffer.Restore(List.of(unfinished, scored), 5, ref(kit)),
                ReplayBuffer.Ack.INSTANCE,
                new ReplayBuffer.Groups(List.of(List.of(scored), List.of(scored, scored))),
                new ReplayBuffer.Unfinished(List.of(unfinished)),
                new ReplayBuffer.Contents(List.of(unfinished, scored), 9));

        put(s, new RewardActor.Score(unfinished.append(end), ref(kit)),
                new RewardActor.ShapeGroups(List.of(List.of(scored)), 4, ref(kit)),
                new RewardActor.Scored(scored),
                new RewardActor.Shaped(List.of(scored)));

        put(s, new RewardModelServer.Score(new int[] {1, 7, 4}, new int[] {5, 3, 2}, ref(kit)),
                new RewardModelServer.Scored(0.625, "the model could not read token 99"),
                new RewardModelServer.GetStats(ref(kit)),
                new RewardModelServer.Stats(5120, 1312, 4));

        put(s, new Trainer.Train(batch, ref(kit)),
                new Trainer.Evaluate(List.of(prompt), 24, ref(kit)),
                new Trainer.GetWeights(ref(kit)),
                new Trainer.GetSnapshot(ref(kit)),
                new Trainer.Snapshot(weights, moments, 17),
                new Trainer.Trained(v, 0.375, 8, 2, 1.25),
                new Trainer.Settings(2, 4, true, 1, 1L << 20, 99L, 64),
                new Trainer.SavePart(5, ref(kit)),
                new Trainer.LoadPart(5, ref(kit)));

        put(s, new ReplayBuffer.SavePart(5, ref(kit)),
                new ReplayBuffer.LoadPart(5, ref(kit)),
                new PartReply.Written(Trainer.PART, 5, 1L << 20, 0xCAFEBABEL, 0.25),
                new PartReply.Loaded(ReplayBuffer.PART, 5, v),
                new PartReply.Failed(Trainer.PART, 5, "disk full"),
                new RunFailed("role trainer is gone in iteration 6", ref(kit)),
                RunFailed.Noted.INSTANCE);

        put(s, DeviceArbiter.Phase.TRAIN,
                new DeviceArbiter.Acquire(DeviceArbiter.Phase.ROLLOUT, "rollout-0", 1L << 30, ref(kit)),
                new DeviceArbiter.Release("trainer", 12.5),
                new DeviceArbiter.GetStats(ref(kit)),
                new DeviceArbiter.Granted(DeviceArbiter.Phase.TRAIN, "trainer"),
                new DeviceArbiter.Refused("over budget"),
                new DeviceArbiter.Stats(3, 40.5, 12.25, 1L << 31));
        return s;
    }

    private static void put(Map<Class<?>, Object> samples, Object... values) {
        for (Object v : values) {
            samples.put(v.getClass(), v);
        }
    }

    /** A ref of a live probe; its message type is whatever the protocol asks for. */
    @SuppressWarnings("unchecked")
    private static <T> ActorRef<T> ref(ActorTestKit kit) {
        return (ActorRef<T>) kit.createTestProbe().ref();
    }
}
