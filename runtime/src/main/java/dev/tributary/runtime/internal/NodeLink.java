package dev.tributary.runtime.internal;

import dev.tributary.actors.master.RunFailed;
import java.time.Duration;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;

/**
 * Every cluster node's link to the run as a whole, so that no node is left running without a run: it takes the
 * master's {@link RunFailed} (the node then ends its part with that reason and exits non-zero), and on a node
 * without the master role it ends the node when no reachable member carries that role for
 * {@code tributary.cluster.recovery-timeout}.
 */
final class NodeLink {
    /** Every cluster node's link, to which the master's node sends {@link RunFailed}. */
    static final ServiceKey<RunFailed> KEY = ServiceKey.create(RunFailed.class, "tributary-node");

    private static final Duration CHECK_EVERY = Duration.ofSeconds(1);

    private enum Tick { INSTANCE }

    private NodeLink() {
    }

    static Behavior<Void> create(RoleWiring.Plan plan) {
        return Behaviors.setup(ctx -> {
            var link = ctx.spawn(Behaviors.receive(RunFailed.class).onMessage(RunFailed.class, f -> {
                f.replyTo().tell(RunFailed.Noted.INSTANCE);
                plan.failure().accept(new RoleWiring.RoleFailedException(f.reason(), null));
                return Behaviors.same();
            }).build(), "notices");
            ctx.getSystem().receptionist().tell(Receptionist.register(KEY, link));
            if (!plan.parts().topology().has(RoleKeys.MASTER)) {
                ctx.spawn(watchMaster(plan, plan.parts().settings().cluster().recoveryTimeout()), "master-watch");
            }
            return Behaviors.empty();
        });
    }

    /** Ends the node once no reachable member has carried the master role for {@code timeout}. */
    private static Behavior<Tick> watchMaster(RoleWiring.Plan plan, Duration timeout) {
        return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
            timers.startTimerWithFixedDelay(Tick.INSTANCE, CHECK_EVERY);
            Cluster cluster = Cluster.get(ctx.getSystem());
            long[] lastSeen = {System.nanoTime()};
            return Behaviors.receive(Tick.class).onMessage(Tick.class, t -> {
                var state = cluster.state();
                boolean seen = false;
                for (Member m : state.getMembers()) {
                    boolean live = m.status() == MemberStatus.up() || m.status() == MemberStatus.weaklyUp()
                            || m.status() == MemberStatus.joining();
                    if (live && m.hasRole(RoleKeys.MASTER) && !state.getUnreachable().contains(m)) {
                        seen = true;
                    }
                }
                if (seen) {
                    lastSeen[0] = System.nanoTime();
                } else if (System.nanoTime() - lastSeen[0] > timeout.toNanos()) {
                    plan.failure().accept(new RoleWiring.RoleFailedException("no reachable node with the master role "
                            + "for " + timeout.toSeconds() + " s (tributary.cluster.recovery-timeout): this node "
                            + "has no run to take part in", null));
                    return Behaviors.stopped();
                }
                return Behaviors.same();
            }).build();
        }));
    }
}
