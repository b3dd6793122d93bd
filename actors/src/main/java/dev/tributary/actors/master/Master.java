package dev.tributary.actors.master;

import dev.tributary.actors.device.DeviceArbiter;
import dev.tributary.actors.replay.ReplayBuffer;
import dev.tributary.actors.reward.RewardActor;
import dev.tributary.actors.rollout.RolloutWork;
import dev.tributary.actors.rollout.RolloutWorker;
import dev.tributary.actors.sampling.PromptSampler;
import dev.tributary.actors.trainer.Trainer;
import dev.tributary.model.PolicyVersion;
import dev.tributary.model.Trajectory;
import dev.tributary.streams.serialization.RemoteMessage;
import java.util.List;
import java.util.Objects;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.delivery.ConsumerController;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;

/**
 * The master role: a {@link MasterKernel} (work-pulling dispatch, batch cutting and seeding, role watching,
 * iteration reports, the checkpoint step, start and resume) under a {@link Driver} that decides the order of the
 * phases; {@link Driver#SYNCHRONOUS} runs iterative synchronous RL (Kimi k1.5 §2.6.1).
 *
 * <p>Outsiders send one message, {@link Start}, and get one answer, {@link Finished}. Everything else the master
 * receives is a role's reply, adapted into an {@link Internal} message of the kernel or the driver.
 */
public final class Master {
    public sealed interface Command extends RemoteMessage permits Start, Workers, Internal {
    }

    /** Replies of the roles adapted for the kernel and the drivers of this package; outsiders cannot send them. */
    public non-sealed interface Internal extends Command {
    }

    /**
     * Start at {@code iteration} (1, or the one after a checkpoint) with the workers at {@code version};
     * {@code restoredReplay} is replay content to put into the buffer first (empty: none, or the buffer has loaded
     * its checkpoint part itself). {@code rewound}: the run continues from a checkpoint (a resume, or a recovery
     * after a lost role), so every worker loads {@code version} first, whatever it holds; otherwise the run is
     * fresh and, with checkpoints on, the warm-up's result is checkpointed as iteration 0 before iteration 1.
     * {@code firstRound} is the first rollout round to send: the start iteration, or later where the checkpoint
     * says that the asynchronous driver had sent rounds ahead of it.
     */
    public record Start(int iteration, PolicyVersion version, List<Trajectory> restoredReplay, boolean rewound,
                        ActorRef<Finished> replyTo, int firstRound) implements Command {
        public Start {
            restoredReplay = List.copyOf(restoredReplay);
            if (firstRound < iteration) {
                throw new IllegalArgumentException("first round " + firstRound + " before start iteration "
                        + iteration);
            }
        }

        /** Rounds are iterations. */
        public Start(int iteration, PolicyVersion version, List<Trajectory> restoredReplay, boolean rewound,
                     ActorRef<Finished> replyTo) {
            this(iteration, version, restoredReplay, rewound, replyTo, iteration);
        }
    }

    /**
     * The rollout workers registered now. One that was not there at the start (its node joined later, or was
     * started again) becomes part of the run: watched, synced with the others, and asked to abandon what it waits
     * for when the run rewinds. Workers that are gone are noticed by their termination, not by this list.
     */
    public record Workers(List<ActorRef<RolloutWorker.Command>> all) implements Command {
        public Workers {
            all = List.copyOf(all);
        }
    }

    /**
     * The master stopped because a role it cannot run without is gone; rollouts that were out have been drained
     * into the replay buffer (unless the buffer itself is gone). A host may wait for a replacement and start a new
     * master from the newest checkpoint.
     */
    public static final class RoleLost extends IllegalStateException {
        private final String role;
        private final int iteration;

        public RoleLost(String role, String where, int iteration) {
            super("role " + role + " at " + where + " is gone in iteration " + iteration);
            this.role = role;
            this.iteration = iteration;
        }

        /** {@code trainer}, {@code replay} or {@code reward}. */
        public String role() {
            return role;
        }

        public int iteration() {
            return iteration;
        }
    }

    /** The run is over: the last version and every iteration's report (of this process, after a resume). */
    public record Finished(PolicyVersion version, List<IterationReport> reports) implements RemoteMessage {
    }

    /**
     * The roles the master drives. {@code arbiters} holds one device arbiter per node that has one (empty when no
     * node shares a device); the hand-off time of an iteration is the sum over all of them.
     */
    public record Roles(List<ActorRef<RolloutWorker.Command>> workers, ActorRef<ReplayBuffer.Command> replay,
                        ActorRef<RewardActor.Command> reward, ActorRef<Trainer.Command> trainer,
                        List<ActorRef<DeviceArbiter.Command>> arbiters) {
        public Roles {
            workers = List.copyOf(Objects.requireNonNull(workers, "rollout workers must not be null"));
            if (workers.isEmpty()) {
                throw new IllegalArgumentException("the master needs at least one rollout worker");
            }
            Objects.requireNonNull(replay, "replay role must not be null");
            Objects.requireNonNull(reward, "reward role must not be null");
            Objects.requireNonNull(trainer, "trainer role must not be null");
            arbiters = List.copyOf(Objects.requireNonNull(arbiters, "device arbiters must not be null (empty: none)"));
        }
    }

    /**
     * Everything a master is made of.
     *
     * @param listener      gets each iteration's report as soon as it is made
     * @param checkpointer  called after the iterations the settings name ({@link Checkpointer#NONE}: never)
     * @param stopRequested read after each iteration: when true the run ends there (with a checkpoint if
     *                      checkpoints are on), as if that iteration had been the last
     * @param workKey       the service key the workers' consumer controllers are registered under
     * @param driver        the order of the phases of an iteration
     */
    public record Setup(MasterSettings settings, PromptSampler sampler, Roles roles,
                        Consumer<IterationReport> listener, Checkpointer checkpointer, BooleanSupplier stopRequested,
                        ServiceKey<ConsumerController.Command<RolloutWork.Batch>> workKey, Driver driver) {
        public Setup {
            Objects.requireNonNull(settings, "master setup: settings must not be null");
            Objects.requireNonNull(sampler, "master setup: sampler must not be null");
            Objects.requireNonNull(roles, "master setup: roles must not be null");
            Objects.requireNonNull(listener, "master setup: listener must not be null");
            Objects.requireNonNull(checkpointer, "master setup: checkpointer must not be null (Checkpointer.NONE: none)");
            Objects.requireNonNull(stopRequested, "master setup: stopRequested must not be null");
            Objects.requireNonNull(workKey, "master setup: workKey must not be null");
            Objects.requireNonNull(driver, "master setup: driver must not be null");
        }

        /** No checkpoints, no early stop, the default work key and the synchronous driver. */
        public static Setup of(MasterSettings settings, PromptSampler sampler, Roles roles,
                               Consumer<IterationReport> listener) {
            return new Setup(settings, sampler, roles, listener, Checkpointer.NONE, () -> false, RolloutWork.KEY,
                    Driver.SYNCHRONOUS);
        }

        public Setup withCheckpointer(Checkpointer checkpointer) {
            return new Setup(settings, sampler, roles, listener, checkpointer, stopRequested, workKey, driver);
        }

        public Setup withStopRequested(BooleanSupplier stopRequested) {
            return new Setup(settings, sampler, roles, listener, checkpointer, stopRequested, workKey, driver);
        }

        public Setup withWorkKey(ServiceKey<ConsumerController.Command<RolloutWork.Batch>> workKey) {
            return new Setup(settings, sampler, roles, listener, checkpointer, stopRequested, workKey, driver);
        }

        public Setup withDriver(Driver driver) {
            return new Setup(settings, sampler, roles, listener, checkpointer, stopRequested, workKey, driver);
        }
    }

    private Master() {
    }

    /** A master that waits for {@link Start}, then runs its driver from there until {@link Finished}. */
    public static Behavior<Command> create(Setup setup) {
        Objects.requireNonNull(setup, "master setup must not be null");
        return Behaviors.setup(ctx -> MasterKernel.awaitStart(ctx, setup));
    }
}
