package dev.tributary.runtime.internal;

import dev.tributary.actors.device.DeviceArbiter;
import dev.tributary.actors.replay.ReplayBuffer;
import dev.tributary.actors.reward.RewardActor;
import dev.tributary.actors.reward.RewardModelServer;
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
    /**
     * Serves a learned reward model to the reward actors; optional: a run without a cluster hosts it beside its
     * reward actor when the reward function is {@code learned}.
     */
    public static final String REWARD_MODEL = "reward-model";
    /** Roles a node may run besides those of {@link #ALL}. */
    public static final Set<String> OPTIONAL = Set.of(REWARD_MODEL);

    public static final ServiceKey<RolloutWorker.Command> ROLLOUT_KEY =
            ServiceKey.create(RolloutWorker.Command.class, "tributary-rollout");
    public static final ServiceKey<RewardActor.Command> REWARD_KEY =
            ServiceKey.create(RewardActor.Command.class, "tributary-reward");
    public static final ServiceKey<ReplayBuffer.Command> REPLAY_KEY =
            ServiceKey.create(ReplayBuffer.Command.class, "tributary-replay");
    public static final ServiceKey<RewardModelServer.Command> REWARD_MODEL_KEY =
            ServiceKey.create(RewardModelServer.Command.class, "tributary-reward-model");
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
        java.util.TreeSet<String> valid = new java.util.TreeSet<>(ALL);
        valid.addAll(OPTIONAL);
        for (String r : roles) {
            if (!valid.contains(r)) {
                throw new IllegalArgumentException("unknown role '" + r + "'; the roles are "
                        + String.join(", ", valid));
            }
        }
        return Set.copyOf(roles);
    }
}
