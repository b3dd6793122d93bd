package dev.tributary.actors.master;

import org.apache.pekko.actor.typed.Behavior;

/**
 * The order of a run's phases on top of the {@link MasterKernel}: which role is asked what, when, and when the
 * run ends. The kernel does everything drivers share (dispatch, seeds, role watching, weight loads, reports,
 * checkpoints, start and resume); a driver only sequences it. Chosen by name, {@code tributary.master.driver}.
 *
 * <p>Contract: {@link #behavior} is called once per run, after {@link Master.Start} was checked and the run
 * resumed; it returns the master's behaviour from {@link MasterKernel#first()} on. That behaviour builds each phase
 * with the kernel's {@code await}/{@code phase} (so role watching and the refusal of a second start hold in every
 * phase), hands every iteration's report to {@link MasterKernel#report}, and ends with
 * {@link MasterKernel#finish}, which answers {@link Master.Finished} and stops the master. A driver keeps no
 * mutable state of its own: what it carries between phases travels in immutable values ({@link Run},
 * {@link Iteration}); its own messages are records implementing {@link Master.Internal}, wrapped with
 * {@link MasterKernel#adapter}. A driver outside this package is named by its class in
 * {@code tributary.master.driver} (a public constructor taking nothing or a {@code Config}).
 */
public interface Driver {
    /** Iteration-synchronous RL (Kimi k1.5 §2.6.1): rollout, then training, then weight sync, one after another. */
    Driver SYNCHRONOUS = new SynchronousDriver();

    /**
     * Asynchronous RL: rounds of rollout go out while earlier ones are trained on, each sample trained within
     * {@code maxStaleness} versions of the one that generated it; older resumed samples' groups are dropped
     * ({@code dropStale}) or kept for the trainer to mask (see {@link AsynchronousDriver}).
     */
    static Driver asynchronous(int maxStaleness, boolean dropStale) {
        return asynchronous(maxStaleness, dropStale, true);
    }

    /**
     * @param inFlight every rollout worker hears of each new version at once ({@link
     *                 dev.tributary.actors.rollout.RolloutWorker.NewVersion}) and switches to it between two decode
     *                 steps; otherwise between batches
     */
    static Driver asynchronous(int maxStaleness, boolean dropStale, boolean inFlight) {
        return new AsynchronousDriver(maxStaleness, dropStale ? AsynchronousDriver.StalePolicy.DROP
                : AsynchronousDriver.StalePolicy.MASK, inFlight);
    }

    /**
     * True when rollout and training run at the same time (the asynchronous driver): the engines then need weights
     * of their own ({@code tributary.weights.sync = broadcast}) and the device arbiter lets both phases hold it.
     */
    default boolean overlapsPhases() {
        return false;
    }

    /** The master's behaviour from the run's first iteration (after start and resume) to its end. */
    Behavior<Master.Command> behavior(MasterKernel kernel);
}
