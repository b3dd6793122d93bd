package dev.tributary.runtime.cluster;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.tributary.actors.master.IterationReport;
import dev.tributary.actors.master.Master;
import dev.tributary.actors.trainer.Trainer;
import dev.tributary.model.PolicyVersion;
import dev.tributary.model.weights.FlatWeights;
import dev.tributary.runtime.job.JobParts;
import dev.tributary.runtime.settings.TributarySettings;
import dev.tributary.sandbox.Sandbox;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.cluster.typed.Cluster;

/**
 * One node of a Tributary cluster, running some of the roles. Every node is started with the same settings; the
 * roles decide what it runs. The node hosting the master singleton completes {@link #finished()} when the run ends.
 */
public final class TributaryNode implements AutoCloseable {
    private final ActorSystem<Void> system;
    private final JobParts parts;
    private final Set<String> roles;
    private final CompletableFuture<Master.Finished> finished = new CompletableFuture<>();
    private final Map<PolicyVersion, Long> syncs = new ConcurrentSkipListMap<>();
    private Sandbox sandbox;

    private TributaryNode(TributarySettings settings, Set<String> roles, Consumer<String> progress,
                          UnaryOperator<Behavior<Trainer.Command>> trainerDecorator) {
        this.roles = RoleKeys.check(roles);
        this.parts = JobParts.of(settings);
        if (roles.contains(RoleKeys.TRAINER)) {
            // The trainer's node starts from the SFT'd policy; rollout nodes fetch it before their first job.
            parts.warmUp(progress, () -> false);
        }
        Config config = ConfigFactory.parseMap(Map.of("pekko.cluster.roles", List.copyOf(roles)))
                .withFallback(settings.config());
        Consumer<IterationReport> listener = r -> progress.accept(String.format(java.util.Locale.ROOT,
                "iter %3d | reward %.2f | held-out %s | len %.1f | trained %d", r.iteration(), r.meanReward(),
                Double.isNaN(r.heldOutAccuracy()) ? "-" : String.format(java.util.Locale.ROOT, "%.1f%%",
                        100 * r.heldOutAccuracy()), r.meanResponseLength(), r.trainedSamples()));
        this.system = ActorSystem.create(NodeGuardian.create(parts, this.roles,
                settings.cluster().minRolloutWorkers(),
                listener, this::sandbox, finished, syncs, trainerDecorator), "tributary", config);
        ClusterFormation.start(system); // seed nodes, or Cluster Bootstrap with tributary.cluster.bootstrap = on
    }

    /**
     * Starts a node with {@code roles} that joins the cluster named by the settings' Pekko configuration (seed
     * nodes, port); the trainer's node runs the SFT warm-up first.
     */
    public static TributaryNode start(TributarySettings settings, Set<String> roles, Consumer<String> progress) {
        return new TributaryNode(settings, roles, progress, b -> b);
    }

    /** As {@link #start}, with the trainer's behaviour wrapped (tests observe the batches it trains on). */
    static TributaryNode start(TributarySettings settings, Set<String> roles, Consumer<String> progress,
                               UnaryOperator<Behavior<Trainer.Command>> trainerDecorator) {
        return new TributaryNode(settings, roles, progress, trainerDecorator);
    }

    public Set<String> roles() {
        return roles;
    }

    public ActorSystem<Void> system() {
        return system;
    }

    /** Completes with the run's result on the node hosting the master singleton. */
    public CompletableFuture<Master.Finished> finished() {
        return finished.copy();
    }

    /**
     * Per version, the checksum of the weights this node published (a trainer node) or held right after loading
     * them (a rollout node): equal maps mean every sync handed over the trainer's weights exactly.
     */
    public Map<PolicyVersion, Long> syncedChecksums() {
        return Map.copyOf(syncs);
    }

    /** The weights this node's policy holds now (a rollout or trainer node's copy). */
    public FlatWeights weights() {
        return FlatWeights.export(parts.policy().params(), dev.tributary.model.PolicyVersion.INITIAL);
    }

    /** True once this node is an Up member of the cluster. */
    public boolean isUp() {
        return Cluster.get(system).selfMember().status() == org.apache.pekko.cluster.MemberStatus.up();
    }

    private synchronized Sandbox sandbox() {
        if (sandbox == null) {
            sandbox = Sandbox.create();
        }
        return sandbox;
    }

    /** Asks every member of the cluster, this one last, to leave: the run is over and the nodes shut down. */
    public void endCluster() {
        Cluster cluster = Cluster.get(system);
        for (org.apache.pekko.cluster.Member m : cluster.state().getMembers()) {
            if (!m.address().equals(cluster.selfMember().address())) {
                cluster.manager().tell(new org.apache.pekko.cluster.typed.Leave(m.address()));
            }
        }
        cluster.manager().tell(new org.apache.pekko.cluster.typed.Leave(cluster.selfMember().address()));
    }

    /** Leaves the cluster and stops the node. */
    @Override
    public void close() throws Exception {
        system.terminate();
        system.getWhenTerminated().toCompletableFuture().get(1, TimeUnit.MINUTES);
        synchronized (this) {
            if (sandbox != null) {
                sandbox.close();
            }
        }
    }
}
