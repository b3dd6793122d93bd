package dev.tributary.runtime;

import dev.tributary.runtime.internal.RunHost;
import java.util.Objects;
import org.apache.pekko.actor.typed.ActorSystem;

/**
 * The Java API. A run, embedded or one node of a cluster, is started from a {@link RunSpec}; the settings, the
 * roles and every plug-in are checked before anything runs, failing with one message naming the key, the value
 * and what was expected. The run then goes on in the background:
 *
 * <pre>{@code
 * try (TributaryRun run = Tributary.start(RunSpec.of(ConfigFactory.parseString("tributary.run.iterations = 20")))) {
 *     RunResult r = run.result().toCompletableFuture().get();
 *     System.out.printf("%.1f%% -> %.1f%%%n", 100 * r.sftAccuracy(), 100 * r.finalAccuracy());
 * }
 * }</pre>
 */
public final class Tributary {
    private Tributary() {
    }

    /** Starts the run on an ActorSystem of its own (named {@code tributary}), stopped when the run ends. */
    public static TributaryRun start(RunSpec spec) {
        return new TributaryRun(host(spec).start(null));
    }

    /**
     * Starts the run's roles under {@code system}, the caller's: they are spawned as a system actor and stopped
     * when the run ends; the system itself stays the caller's to terminate. On a cluster node, {@code system}
     * must have joined (or be joining) the cluster, and its {@code pekko.cluster.roles} should name the node's
     * roles so that the master singleton lands on the master's node.
     */
    public static TributaryRun start(RunSpec spec, ActorSystem<?> system) {
        Objects.requireNonNull(system, "actor system");
        return new TributaryRun(host(spec).start(system));
    }

    private static RunHost host(RunSpec spec) {
        return new RunHost(spec.settings(), spec.roles(), spec.plugins(), spec.progress());
    }
}
