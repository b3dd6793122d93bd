package dev.tributary.testkit;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;

/**
 * The synthetic workers' engines by the address of the ActorSystem they run on (each node of a load test has its
 * own): where {@link Fault#STOP_WORKER} finds its target.
 */
final class Workers {
    private final Map<String, List<ActorRef<SyntheticEngine.Command>>> bySystem = new ConcurrentHashMap<>();

    void add(ActorSystem<?> system, ActorRef<SyntheticEngine.Command> engine) {
        bySystem.computeIfAbsent(system.address().toString(), s -> java.util.Collections.synchronizedList(
                new ArrayList<>())).add(engine);
    }

    /** The engines started on {@code system} so far. */
    List<ActorRef<SyntheticEngine.Command>> on(ActorSystem<?> system) {
        List<ActorRef<SyntheticEngine.Command>> l = bySystem.getOrDefault(system.address().toString(), List.of());
        synchronized (l) {
            return List.copyOf(l);
        }
    }
}
