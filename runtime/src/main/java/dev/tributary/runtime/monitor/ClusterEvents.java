package dev.tributary.runtime.monitor;

import java.util.TreeSet;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Subscribe;

/** Follows the cluster's membership and reachability into a node's {@link RunEvents}: joined, lost, back, gone. */
final class ClusterEvents {
    private ClusterEvents() {
    }

    static Behavior<ClusterEvent.ClusterDomainEvent> create(RunEvents events) {
        return Behaviors.setup(ctx -> {
            Cluster cluster = Cluster.get(ctx.getSystem());
            cluster.subscriptions().tell(Subscribe.create(ctx.getSelf().narrow(), ClusterEvent.MemberEvent.class));
            cluster.subscriptions().tell(Subscribe.create(ctx.getSelf().narrow(),
                    ClusterEvent.ReachabilityEvent.class));
            return Behaviors.receive(ClusterEvent.ClusterDomainEvent.class)
                    .onMessage(ClusterEvent.MemberUp.class, e -> note(events, e.member(), "is up"))
                    .onMessage(ClusterEvent.MemberLeft.class, e -> note(events, e.member(), "is leaving"))
                    .onMessage(ClusterEvent.MemberDowned.class, e -> note(events, e.member(), "was downed"))
                    .onMessage(ClusterEvent.MemberRemoved.class, e -> note(events, e.member(), "was removed"))
                    .onMessage(ClusterEvent.UnreachableMember.class, e -> note(events, e.member(),
                            "is unreachable (lost?)"))
                    .onMessage(ClusterEvent.ReachableMember.class, e -> note(events, e.member(), "is reachable again"))
                    .onAnyMessage(e -> Behaviors.same())
                    .build();
        });
    }

    private static Behavior<ClusterEvent.ClusterDomainEvent> note(RunEvents events, Member m, String what) {
        TreeSet<String> roles = new TreeSet<>(m.getRoles());
        roles.removeIf(r -> r.startsWith("dc-"));
        events.add("node " + m.address().hostPort() + " (" + String.join(",", roles) + ") " + what);
        return Behaviors.same();
    }
}
