package dev.tributary.runtime.cluster;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.tributary.actors.master.IterationReport;
import dev.tributary.actors.master.Master;
import dev.tributary.actors.trainer.Trainer;
import dev.tributary.model.PolicyVersion;
import dev.tributary.model.weights.FlatWeights;
import dev.tributary.model.train.Evaluator;
import dev.tributary.runtime.job.JobParts;
import dev.tributary.runtime.metrics.IterationMetrics;
import dev.tributary.runtime.metrics.RunFiles;
import dev.tributary.runtime.settings.SettingsException;
import dev.tributary.runtime.settings.TributarySettings;
import dev.tributary.sandbox.Sandbox;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.cluster.typed.Cluster;

/**
 * One node of a Tributary cluster, running some of the roles. Every node is started with the same settings; the
 * roles decide what it runs. The node hosting the master singleton writes the run's files into
 * {@code tributary.run.out-dir} as the embedded run does ({@link RunFiles}: a progress line and a metrics row per
 * iteration, run.properties, settings.conf, curves.png at the end with the SFT accuracy that the trainer's node
 * measured, see {@link StartingPoint}) and completes {@link #finished()} when the run ends; other nodes write
 * nothing there.
 */
public final class TributaryNode implements AutoCloseable {
    private final ActorSystem<Void> system;
    private final TributarySettings settings;
    private final JobParts parts;
    private final Set<String> roles;
    private final Consumer<String> progress;
    private final CompletableFuture<Master.Finished> finished = new CompletableFuture<>();
    private final CompletableFuture<Double> sftAccuracy = new CompletableFuture<>();
    private final AtomicInteger rolloutWorkers = new AtomicInteger();
    private final Map<PolicyVersion, Long> syncs = new ConcurrentSkipListMap<>();
    private Sandbox sandbox;
    /** The run's metrics files, opened by the first iteration report: only on the node running the master. */
    private RunFiles files;
    private double sftAccuracyWritten = Double.NaN;

    private TributaryNode(TributarySettings settings, Set<String> roles, Consumer<String> progress,
                          UnaryOperator<Behavior<Trainer.Command>> trainerDecorator) {
        this.roles = RoleKeys.check(roles);
        this.settings = settings;
        this.progress = progress;
        boolean mayRunMaster = this.roles.contains(RoleKeys.MASTER);
        if (mayRunMaster) {
            refuseTheOutDir(settings);
        }
        this.parts = JobParts.of(settings);
        int evalTokens = parts.masterSettings(0).evalMaxTokens();
        Evaluator.Result startingPoint = null;
        if (this.roles.contains(RoleKeys.TRAINER)) {
            // The trainer's node starts from the SFT'd policy; rollout nodes fetch it before their first job.
            double accuracy = parts.warmUp(progress, () -> false);
            startingPoint = new Evaluator.Result(accuracy, Double.NaN, parts.heldOut().size());
            sftAccuracy.complete(accuracy);
        }
        Config config = ConfigFactory.parseMap(Map.of("pekko.cluster.roles", List.copyOf(this.roles)))
                .withFallback(settings.config());
        // Only the node the master singleton runs on gets reports: it alone writes into the out-dir.
        Consumer<IterationReport> listener = mayRunMaster ? this::record : r -> { };
        CompletableFuture<Master.Finished> masterDone = new CompletableFuture<>();
        this.system = ActorSystem.create(NodeGuardian.create(parts, this.roles,
                settings.cluster().minRolloutWorkers(),
                listener, this::sandbox, masterDone, syncs, trainerDecorator), "tributary", config);
        if (startingPoint != null) {
            system.systemActorOf(StartingPoint.offer(startingPoint, parts.heldOut(), evalTokens), "rl-start",
                    Props.empty());
        }
        if (mayRunMaster) {
            system.systemActorOf(StartingPoint.watch(parts.heldOut(), evalTokens, sftAccuracy, rolloutWorkers),
                    "rl-start-watch", Props.empty());
        }
        // Off the actor's thread: the plot takes a moment; finished() completes once the files are written.
        masterDone.whenCompleteAsync(this::finish);
        ClusterFormation.start(system); // seed nodes, or Cluster Bootstrap with tributary.cluster.bootstrap = on
    }

    /** A node that may run the master refuses, before any work, what the run could not write into. */
    private static void refuseTheOutDir(TributarySettings settings) {
        if (settings.run().resume()) {
            throw new SettingsException("tributary.run.resume", true, "false: cluster runs write no checkpoints "
                    + "yet, so there is none to resume from");
        }
        RunFiles.refuseAnEarlierRun(settings.run().outDir(), "choose another tributary.run.out-dir "
                + "(--set tributary.run.out-dir=<dir>)");
    }

    /** One iteration on the node running the master: the run's files are opened with the first. */
    private void record(IterationReport r) {
        RunFiles f;
        synchronized (this) {
            if (files == null) {
                try {
                    sftAccuracyWritten = sftAccuracy();
                    RunFiles.writeRunFiles(settings, sftAccuracyWritten);
                    files = RunFiles.open(settings, Integer.MAX_VALUE, this::rolloutWorkers, progress);
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot write the run's files into " + outDir(), e);
                }
            }
            f = files;
        }
        f.accept(r);
    }

    private int rolloutWorkers() {
        int registered = rolloutWorkers.get();
        return registered > 0 ? registered : settings.cluster().minRolloutWorkers();
    }

    /** The run is over on the node running the master: the curves and the final run record, then finished(). */
    private void finish(Master.Finished f, Throwable failure) {
        RunFiles rf;
        synchronized (this) {
            rf = files;
        }
        if (rf != null) {
            try (rf) {
                if (failure == null) {
                    double sft = sftAccuracy();
                    if (Double.isNaN(sftAccuracyWritten) && !Double.isNaN(sft)) {
                        RunFiles.writeRunFiles(settings, sft);
                    }
                    rf.plot(sft);
                }
            } catch (IOException | RuntimeException e) {
                if (failure == null) {
                    finished.completeExceptionally(e);
                    return;
                }
                failure.addSuppressed(e);
            }
        }
        if (failure != null) {
            finished.completeExceptionally(failure);
        } else {
            finished.complete(f);
        }
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

    /**
     * Completes with the run's result on the node hosting the master singleton, once its files are written into
     * {@link #outDir()}: run.properties, settings.conf, metrics.csv, metrics.jsonl and curves.png.
     */
    public CompletableFuture<Master.Finished> finished() {
        return finished.copy();
    }

    /** Where the node running the master writes the run's files (other nodes write nothing there). */
    public Path outDir() {
        return settings.run().outDir();
    }

    /** The iterations this node recorded: the run's, on the node running the master; none elsewhere. */
    public List<IterationMetrics> metrics() {
        RunFiles f;
        synchronized (this) {
            f = files;
        }
        return f == null ? List.of() : f.metrics();
    }

    /**
     * The held-out accuracy of the policy after SFT (the RL starting point), measured on the trainer's node; known
     * there and, shortly after the trainer joins, on nodes that may run the master; NaN until then and elsewhere.
     */
    public double sftAccuracy() {
        return sftAccuracy.getNow(Double.NaN);
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
            if (files != null) {
                files.close(); // a run stopped before its end keeps the rows it wrote
            }
        }
    }
}
