package dev.tributary.runtime.internal;

import dev.tributary.actors.device.DeviceArbiter;
import dev.tributary.actors.replay.ReplayBuffer;
import dev.tributary.actors.reward.RewardActor;
import dev.tributary.actors.rollout.RolloutWorker;
import dev.tributary.actors.stream.SegmentRoute;
import dev.tributary.actors.trainer.Trainer;
import java.util.Set;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;

/** The roles a node can run, and the Receptionist keys under which their actors are found across the cluster. */
public final class RoleKeys {
    public static final String MASTER = "master";
    public static final String ROLLOUT = "rollout";
    public static final String REWARD = "reward";
    public static final String REPLAY = "replay";
    public static final String TRAINER = "trainer";
    public static final Set<String> ALL = Set.of(MASTER, ROLLOUT, REWARD, REPLAY, TRAINER);

    public static final ServiceKey<RolloutWorker.Command> ROLLOUT_KEY =
            ServiceKey.create(RolloutWorker.Command.class, "tributary-rollout");
    public static final ServiceKey<RewardActor.Command> REWARD_KEY =
            ServiceKey.create(RewardActor.Command.class, "tributary-reward");
    public static final ServiceKey<ReplayBuffer.Command> REPLAY_KEY =
            ServiceKey.create(ReplayBuffer.Command.class, "tributary-replay");
    public static final ServiceKey<Trainer.Command> TRAINER_KEY =
            ServiceKey.create(Trainer.Command.class, "tributary-trainer");
    /** Every rollout node's router: the master tells it which reward actor and replay buffer to stream to. */
    public static final ServiceKey<SegmentRoute.Command> ROUTE_KEY =
            ServiceKey.create(SegmentRoute.Command.class, "tributary-route");
    /** Every node with a rollout or trainer role has a device arbiter; the master sums their hand-off times. */
    public static final ServiceKey<DeviceArbiter.Command> ARBITER_KEY =
            ServiceKey.create(DeviceArbiter.Command.class, "tributary-device");

    private RoleKeys() {
    }

    /** Checks role names, naming the bad one and the valid ones. */
    public static Set<String> check(Set<String> roles) {
        if (roles.isEmpty()) {
            throw new IllegalArgumentException("a node needs at least one role; the roles are " + String.join(", ",
                    new java.util.TreeSet<>(ALL)));
        }
        for (String r : roles) {
            if (!ALL.contains(r)) {
                throw new IllegalArgumentException("unknown role '" + r + "'; the roles are "
                        + String.join(", ", new java.util.TreeSet<>(ALL)));
            }
        }
        return Set.copyOf(roles);
    }
}
