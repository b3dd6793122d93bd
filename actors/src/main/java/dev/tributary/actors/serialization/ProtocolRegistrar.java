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
import dev.tributary.streams.serialization.KryoRegistrar;
import dev.tributary.streams.serialization.Registrations;

/**
 * Ids 200-499: every public protocol record of the roles, in blocks of 20 per role so each can grow without
 * interleaving. The private adapter wrappers never leave their actor and are not registered. The model records
 * they carry are registered by {@link dev.tributary.streams.serialization.ModelRegistrar} (100-199). Append only;
 * never renumber or reuse an id.
 */
public final class ProtocolRegistrar implements KryoRegistrar {
    @Override
    public void register(Registrations r) {
        // 200-219 master
        r.add(200, Master.Start.class);
        r.add(201, Master.Finished.class);
        r.add(202, Master.Roles.class);
        r.add(203, IterationReport.class);
        r.add(204, Staleness.class);

        // 220-239 rollout
        r.add(220, RolloutWorker.Rollout.class);
        r.add(221, RolloutWorker.LoadWeights.class);
        r.add(222, RolloutWorker.Done.class);
        r.add(223, RolloutWorker.Loaded.class);
        r.add(224, RolloutJob.class);
        r.add(225, RolloutStats.class);
        r.add(226, RolloutWork.Batch.class);
        r.add(227, RolloutWork.BatchDone.class);

        // 240-259 replay
        r.add(240, ReplayBuffer.Offer.class);
        r.add(241, ReplayBuffer.StreamStarted.class);
        r.add(242, ReplayBuffer.StreamEnded.class);
        r.add(243, ReplayBuffer.TakeBatch.class);
        r.add(244, ReplayBuffer.TakeUnfinished.class);
        r.add(245, ReplayBuffer.GetContents.class);
        r.add(246, ReplayBuffer.Restore.class);
        r.add(247, ReplayBuffer.Ack.class);
        r.add(248, ReplayBuffer.Groups.class);
        r.add(249, ReplayBuffer.Unfinished.class);
        r.add(250, ReplayBuffer.Contents.class);
        r.add(251, ReplayBuffer.OpenStream.class);
        r.add(252, ReplayBuffer.FlushMarker.class);

        // 260-279 reward
        r.add(260, RewardActor.Score.class);
        r.add(261, RewardActor.ShapeGroups.class);
        r.add(262, RewardActor.Scored.class);
        r.add(263, RewardActor.Shaped.class);
        r.add(264, RewardActor.OpenStream.class);

        // 280-299 trainer
        r.add(280, Trainer.Train.class);
        r.add(281, Trainer.Evaluate.class);
        r.add(282, Trainer.GetWeights.class);
        r.add(283, Trainer.GetSnapshot.class);
        r.add(284, Trainer.Snapshot.class);
        r.add(285, Trainer.Trained.class);
        r.add(286, Trainer.Settings.class);

        // 300-319 device
        r.add(300, DeviceArbiter.Phase.class);
        r.add(301, DeviceArbiter.Acquire.class);
        r.add(302, DeviceArbiter.Release.class);
        r.add(303, DeviceArbiter.GetStats.class);
        r.add(304, DeviceArbiter.Granted.class);
        r.add(305, DeviceArbiter.Refused.class);
        r.add(306, DeviceArbiter.Stats.class);

        // 320-339 segment stream
        r.add(320, SegmentStream.Emitted.class);
        r.add(321, SegmentStream.Flush.class);
        r.add(322, SegmentStream.Flushed.class);
        r.add(323, SegmentStream.Opened.class);

        // 340-359 checkpoint parts and the end of a run across nodes
        r.add(340, PartReply.Written.class);
        r.add(341, PartReply.Loaded.class);
        r.add(342, PartReply.Failed.class);
        r.add(343, Trainer.SavePart.class);
        r.add(344, Trainer.LoadPart.class);
        r.add(345, ReplayBuffer.SavePart.class);
        r.add(346, ReplayBuffer.LoadPart.class);
        r.add(347, RunFailed.class);
        r.add(348, RunFailed.Noted.class);
        r.add(349, RolloutWorker.Abandon.class);
        r.add(350, Master.Workers.class);
        r.add(351, RolloutWorker.Quiesce.class);
        r.add(352, RolloutWorker.Quiet.class);
        r.add(353, SegmentRoute.Route.class);
        r.add(354, SegmentRoute.Routed.class);
        r.add(355, RolloutWorker.NewVersion.class);

        // 360-379 the reward-model role
        r.add(360, RewardModelServer.Score.class);
        r.add(361, RewardModelServer.Scored.class);
        r.add(362, RewardModelServer.GetStats.class);
        r.add(363, RewardModelServer.Stats.class);
    }
}
