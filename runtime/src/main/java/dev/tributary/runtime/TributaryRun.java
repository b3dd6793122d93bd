package dev.tributary.runtime;

import dev.tributary.model.PolicyVersion;
import dev.tributary.model.weights.FlatWeights;
import dev.tributary.runtime.internal.RunHost;
import dev.tributary.runtime.metrics.IterationMetrics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorSystem;

/**
 * A started run, embedded or one node of a cluster, as {@link Tributary#start} returns it. On the node running
 * the master, {@link #result()} completes with the run's figures once its files are written; on other nodes it
 * completes when the node has left the cluster at the run's end, with what the node knows. Closing the handle
 * shuts the run down if it is still going.
 */
public final class TributaryRun implements AutoCloseable {
    private static final Duration SHUTDOWN_WAIT = Duration.ofMinutes(2);

    private final RunHost host;

    TributaryRun(RunHost host) {
        this.host = host;
    }

    /** Completes with the result, or exceptionally with what stopped the run. */
    public CompletionStage<RunResult> result() {
        return host.result();
    }

    /**
     * Completes once the node has stopped after the run: its roles, and on a cluster its membership (the master's
     * node ends the cluster). {@link #result()} completes first.
     */
    public CompletionStage<Void> stopped() {
        return host.stopped();
    }

    /** The iterations completed so far in this process, oldest first (on the master's node; empty elsewhere). */
    public List<IterationMetrics> metrics() {
        return host.metrics();
    }

    /**
     * Asks the run to end after the iteration in progress, checkpointed if checkpoints are on; {@link #result()}
     * then completes as usual, and a resume continues from there.
     */
    public void stopAfterIteration() {
        host.stopAfterIteration();
    }

    /** Stops the run at once (SFT at its next step, the roles now) and waits for it to wind down. */
    public void shutdown() throws InterruptedException {
        host.shutdown(SHUTDOWN_WAIT);
    }

    public boolean isDone() {
        return host.result().toCompletableFuture().isDone();
    }

    /** Where the master's node writes the run's files (other nodes write nothing there). */
    public Path outDir() {
        return host.outDir();
    }

    public Set<String> roles() {
        return host.roles();
    }

    /** The actor system the roles run on (the caller's when given); null until the roles have started. */
    public ActorSystem<?> system() {
        return host.system();
    }

    /**
     * The held-out accuracy after SFT (the RL starting point): known on the trainer's node after its warm-up and,
     * shortly after, on the master's node; NaN until then and elsewhere.
     */
    public double sftAccuracy() {
        return host.sftAccuracy();
    }

    /**
     * Per version, the checksum of the weights this node published (a trainer node) or held right after loading
     * them (a rollout node), when weights are copied between nodes: equal maps mean every sync handed the
     * trainer's weights over exactly.
     */
    public Map<PolicyVersion, Long> weightChecksums() {
        return host.weightChecksums();
    }

    /** This node's policy weights now (labelled with the initial version; see {@link #weightChecksums()}). */
    public FlatWeights weights() {
        return host.currentWeights();
    }

    @Override
    public void close() throws InterruptedException {
        if (!isDone()) {
            shutdown();
        }
    }
}
