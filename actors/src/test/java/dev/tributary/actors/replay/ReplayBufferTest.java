package dev.tributary.actors.replay;

import dev.tributary.actors.checkpoint.CheckpointParts;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tributary.model.FinishReason;
import dev.tributary.model.Prompt;
import dev.tributary.model.Segment;
import dev.tributary.model.Trajectory;
import dev.tributary.model.TrajectoryIds;
import java.time.Duration;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

class ReplayBufferTest {
    private static final org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit KIT =
            org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit.create();
    private static final Prompt P = new Prompt("p", new int[] {1, 5}, "arithmetic", 1, "2");

    @AfterAll
    static void shutdown() {
        KIT.shutdownTestKit();
    }

    static Trajectory cut(String group, int j) {
        String id = TrajectoryIds.of(group, j);
        return Trajectory.start(id, P).append(new Segment(id, 0, new int[] {6}, new float[] {-0.1f}, 0,
                FinishReason.TOKEN_BUDGET));
    }

    static Trajectory done(String group, int j, double reward) {
        String id = TrajectoryIds.of(group, j);
        return Trajectory.start(id, P).append(new Segment(id, 0, new int[] {6, 2}, new float[] {-0.1f, -0.2f}, 0,
                FinishReason.EOS)).withReward(reward);
    }

    @Test
    void whenFull_acknowledgementWaitsForRoom_andNothingIsDropped() {
        var replay = KIT.spawn(ReplayBuffer.create(2, ReplayStore.grouped(2), CheckpointParts.NONE));
        TestProbe<ReplayBuffer.Ack> acks = KIT.createTestProbe();
        replay.tell(new ReplayBuffer.Offer(cut("g", 0), acks.ref()));
        replay.tell(new ReplayBuffer.Offer(cut("g", 1), acks.ref()));
        acks.expectMessage(ReplayBuffer.Ack.INSTANCE);
        acks.expectMessage(ReplayBuffer.Ack.INSTANCE);
        replay.tell(new ReplayBuffer.Offer(cut("h", 0), acks.ref()));
        acks.expectNoMessage(Duration.ofMillis(300));
        TestProbe<ReplayBuffer.Unfinished> unfinished = KIT.createTestProbe();
        replay.tell(new ReplayBuffer.TakeUnfinished(unfinished.ref()));
        assertEquals(2, unfinished.receiveMessage().trajectories().size());
        acks.expectMessage(ReplayBuffer.Ack.INSTANCE);
        replay.tell(new ReplayBuffer.TakeUnfinished(unfinished.ref()));
        assertEquals("h/0", unfinished.receiveMessage().trajectories().get(0).id(), "the waiting element was kept");
    }

    @Test
    void groupsAreHandedOverOnlyWhenComplete_andOnlyAfterEverythingArrived() {
        var replay = KIT.spawn(ReplayBuffer.create(16, ReplayStore.grouped(2), CheckpointParts.NONE));
        TestProbe<ReplayBuffer.Ack> acks = KIT.createTestProbe();
        TestProbe<ReplayBuffer.Groups> groups = KIT.createTestProbe();
        replay.tell(new ReplayBuffer.TakeBatch(3, groups.ref()));
        replay.tell(new ReplayBuffer.Offer(done("a", 0, 1), acks.ref()));
        replay.tell(new ReplayBuffer.Offer(done("b", 0, 0), acks.ref()));
        groups.expectNoMessage(Duration.ofMillis(200));
        replay.tell(new ReplayBuffer.Offer(done("a", 1, 0), acks.ref()));
        var g = groups.receiveMessage();
        assertEquals(1, g.groups().size(), "only group a has both samples");
        assertEquals(2, g.groups().get(0).size());
    }
}
