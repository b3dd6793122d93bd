package dev.tributary.runtime.internal;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.tributary.actors.checkpoint.PartReply;
import dev.tributary.actors.master.IterationReport;
import dev.tributary.actors.master.Master;
import dev.tributary.actors.master.RunFailed;
import dev.tributary.model.PolicyVersion;
import dev.tributary.model.train.Evaluator;
import dev.tributary.model.weights.FlatWeights;
import dev.tributary.runtime.Plugins;
import dev.tributary.runtime.RunResult;
import dev.tributary.runtime.internal.checkpoint.Checkpoint;
import dev.tributary.runtime.internal.checkpoint.CheckpointStore;
import dev.tributary.runtime.metrics.IterationMetrics;
import dev.tributary.runtime.internal.metrics.CheckpointCosts;
import dev.tributary.runtime.internal.metrics.RunFiles;
import dev.tributary.runtime.monitor.NodeMetrics;
import dev.tributary.runtime.settings.MonitorSettings;
import dev.tributary.runtime.settings.SettingsException;
import dev.tributary.runtime.settings.TributarySettings;
import dev.tributary.sandbox.Sandbox;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.apache.pekko.Done;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.cluster.typed.Cluster;

/**
 * The one host of a run, behind {@code tributary train}, {@code tributary node} and the Java API: it checks the
 * settings against the node's topology and its out-dir, restores a checkpoint or warms the policy up (on the
 * trainer's node), starts the node's roles through {@link RoleWiring} on an ActorSystem of its own or under the
 * caller's, records every iteration (on the master's node), and ends the run: files written, the cluster left,
 * the actor system stopped, the result completed.
 */
public final class RunHost {
    private final TributarySettings settings;
    private final Topology topology;
    private final RunParts parts;
    private final Consumer<String> progress;
    private final Optional<Checkpoint> resumeFrom;
    private final CheckpointStore store;
    /** The trainer's node: a complete checkpoint of this run exists, so the trainer loads it instead of warming up. */
    private final boolean trainerLoadsCheckpoint;
    private final CompletableFuture<RunResult> result = new CompletableFuture<>();
    private final CompletableFuture<Void> stopped = new CompletableFuture<>();
    /** Completed when this node's actor system begins to shut down by itself (the cluster ended, or it was downed). */
    private final CompletableFuture<Void> leaving = new CompletableFuture<>();
    private final CompletableFuture<Master.Finished> done = new CompletableFuture<>();
    private final CompletableFuture<Double> sftAccuracy = new CompletableFuture<>();
    private final AtomicInteger rolloutWorkers = new AtomicInteger();
    private final Map<PolicyVersion, Long> syncs = new ConcurrentSkipListMap<>();
    private final long started = System.nanoTime();
    private volatile boolean cancelled;
    private volatile boolean stopAfterIteration;
    private volatile ActorSystem<?> system;
    private volatile ActorRef<Void> guardian;
    private boolean ownSystem;
    private RunFiles files;
    /** Metrics rows kept when the files open: all, or those up to the checkpoint a taken-over run rewound to. */
    private int keptThrough = Integer.MAX_VALUE;
    private boolean filesClosed;
    private Sandbox sandbox;
    private Thread thread;
    /** This node's metrics, with tributary.monitor.http = on; null before the system starts, or without it. */
    private volatile NodeMetrics monitor;

    /**
     * Checks everything before any work: the roles and the topology's limits, every plug-in name, the out-dir
     * (a fresh run refuses one holding a run) and the checkpoint to resume. Throws {@link SettingsException} or
     * {@link IllegalArgumentException} naming the key, the value and what was expected.
     */
    public RunHost(TributarySettings settings, Set<String> roles, Plugins plugins, Consumer<String> progress) {
        this.settings = settings;
        // Lines other than an iteration's or the warm-up's are the run's events, which the dashboard lists.
        this.progress = line -> {
            progress.accept(line);
            NodeMetrics m = monitor;
            if (m != null && !line.startsWith("iter ") && !line.startsWith("sft ")) {
                m.events().add(line);
            }
        };
        this.topology = Topology.of(settings, roles);
        this.store = CheckpointStore.at(settings.run().checkpointDir(), settings.run().keepCheckpoints());
        boolean master = topology.has(RoleKeys.MASTER);
        String elsewhere = topology.cluster() ? "choose another tributary.run.out-dir (--set tributary.run.out-dir=<dir>)"
                : "continue that run with --resume, or choose another --out";
        this.parts = new RunParts(settings, plugins, topology, this::sandbox);
        if (master && !settings.run().resume() && !joinsARunInProgress()) {
            RunFiles.refuseAnEarlierRun(settings.run().outDir(), elsewhere);
            refuseEarlierCheckpoints(elsewhere);
        }
        this.resumeFrom = master && settings.run().resume() ? Optional.of(checkpointToResume()) : Optional.empty();
        this.trainerLoadsCheckpoint = topology.has(RoleKeys.TRAINER) && (resumeFrom.isPresent()
                || (!master && settings.run().checkpointEvery() > 0 && checkpointOfThisRun().isPresent()));
        if (settings.run().checkpointEvery() > 0 && (master || topology.has(RoleKeys.TRAINER)
                || topology.has(RoleKeys.REPLAY))) {
            refuseAnUnwritableStore();
        }
    }

    /**
     * A master node of a cluster started where its run's checkpoints are (same seed and model shape), while the run
     * is not finished: a restarted master pod, or a standby started later. It joins the run and takes it over from
     * the newest checkpoint if the run's master is lost (or is already gone). Checkpoints of another run are
     * refused, naming what differs.
     */
    private boolean joinsARunInProgress() {
        if (!topology.cluster() || settings.run().checkpointEvery() <= 0) {
            return false;
        }
        Optional<Checkpoint> c = checkpointOfThisRun();
        if (c.isEmpty() || c.get().iteration() >= settings.run().iterations()) {
            return false;
        }
        progress.accept(store.directory() + " holds this run's checkpoints (the newest after iteration "
                + c.get().iteration() + "): this master node joins the run in progress, and takes it over if its "
                + "master is lost");
        return true;
    }

    /** A node that writes checkpoint parts finds out at start, not at the first checkpoint, that it cannot. */
    private void refuseAnUnwritableStore() {
        Path dir = store.directory();
        try {
            Files.createDirectories(dir);
            Path probe = Files.createTempFile(dir, ".write-check-", ".tmp");
            Files.delete(probe);
        } catch (IOException | SecurityException e) {
            throw new SettingsException("tributary.run.checkpoint-dir", dir, "a directory this node can write its "
                    + "checkpoint parts to, but " + (e instanceof java.nio.file.AccessDeniedException
                    ? "access is denied" : e.getClass().getSimpleName() + " " + e.getMessage())
                    + " (or set tributary.run.checkpoint-every = 0)", e);
        }
    }

    private void refuseEarlierCheckpoints(String instead) {
        try {
            if (!store.iterations().isEmpty()) {
                throw new SettingsException("tributary.run.checkpoint-dir", store.directory(), "a directory without "
                        + "checkpoints for a fresh run (it holds those of iterations " + store.iterations() + "); "
                        + instead);
            }
        } catch (IOException e) {
            throw new SettingsException("tributary.run.checkpoint-dir", store.directory(), "a readable directory: "
                    + e.getMessage(), e);
        }
    }

    /**
     * A trainer's node started while its run goes on (a replacement) or resumes: the newest intact checkpoint,
     * which must be this run's (same seed and model shape).
     */
    private Optional<Checkpoint> checkpointOfThisRun() {
        try {
            Optional<Checkpoint> c = store.newestIntact(progress);
            c.ifPresent(this::refuseAnotherRun);
            return c;
        } catch (IOException e) {
            throw new SettingsException("tributary.run.checkpoint-dir", store.directory(), "a directory holding "
                    + "intact checkpoints of this run, but " + e.getMessage(), e);
        }
    }

    private void refuseAnotherRun(Checkpoint c) {
        long[] random = c.randomState();
        if (random.length == 0 || random[0] != settings.run().seed()) {
            throw new SettingsException("tributary.run.seed", settings.run().seed(), "the seed of the run whose "
                    + "checkpoints are in " + store.directory() + " (" + (random.length == 0 ? "unknown" : random[0])
                    + "), or it would not continue it");
        }
        if (!c.weights().layout().equals(FlatWeights.export(parts.policy().params(), PolicyVersion.INITIAL).layout())) {
            throw new SettingsException("tributary.model", settings.model(), "the model shape of the checkpoint "
                    + c.weights() + " in " + store.directory());
        }
    }

    private Checkpoint checkpointToResume() {
        Checkpoint c;
        try {
            // A damaged newest checkpoint is reported in one line and the one before it is used.
            c = store.newestIntact(progress).orElseThrow(() -> new SettingsException("tributary.run.resume", true,
                    "a checkpoint under " + store.directory() + ", but there is none; run without --resume"));
        } catch (IOException e) {
            throw new SettingsException("tributary.run.resume", true, "an intact checkpoint, but " + e.getMessage(), e);
        }
        refuseAnotherRun(c);
        if (c.iteration() >= settings.run().iterations()) {
            throw new SettingsException("tributary.run.iterations", settings.run().iterations(), "more than the "
                    + c.iteration() + " iterations the checkpoint already completed (raise --iterations)");
        }
        return c;
    }

    /**
     * Starts the run in the background: on {@code callerSystem} when given (the roles are spawned under its
     * system guardian and stopped at the end; the system is the caller's), otherwise on an ActorSystem of its own.
     */
    public RunHost start(ActorSystem<?> callerSystem) {
        thread = new Thread(() -> {
            try {
                result.complete(run(callerSystem));
            } catch (Throwable t) {
                result.completeExceptionally(t);
            } finally {
                stopped.complete(null);
            }
        }, "tributary-run");
        thread.start();
        return this;
    }

    private RunResult run(ActorSystem<?> callerSystem) throws Exception {
        Evaluator.Result measured = null;
        if (resumeFrom.isPresent()) {
            Checkpoint c = resumeFrom.get();
            sftAccuracy.complete(RunFiles.readSftAccuracy(settings.run().outDir()));
            progress.accept(String.format(Locale.ROOT, "resuming %s after iteration %d (%s, %d trajectories in the "
                    + "replay buffer)", settings.run().outDir(), c.iteration(), c.weights().version(),
                    c.replay().size()));
        } else if (topology.has(RoleKeys.MASTER)) {
            RunFiles.writeRunFiles(settings, Double.NaN);
            dev.tributary.runtime.internal.metrics.SamplePictures.write(settings.run().outDir(), parts.heldOut(),
                    parts.task().tokenizer(), 4);
        }
        if (trainerLoadsCheckpoint && resumeFrom.isEmpty()) {
            progress.accept("a checkpoint of this run is in " + store.directory() + ": the trainer loads it when "
                    + "the master asks, instead of warming up");
        } else if (topology.has(RoleKeys.TRAINER) && !trainerLoadsCheckpoint) {
            double accuracy = parts.warmUp(progress, () -> cancelled);
            measured = new Evaluator.Result(accuracy, Double.NaN, parts.heldOut().size());
            sftAccuracy.complete(accuracy);
        }
        if (cancelled) {
            throw new CancellationException("the run was shut down");
        }
        int first = resumeFrom.map(c -> c.iteration() + 1).orElse(1);
        var plan = new RoleWiring.Plan(parts, resumeFrom.map(Checkpoint::iteration).orElse(-1),
                // A run resumed without checkpoints of its own still reads the one it resumes from.
                settings.run().checkpointEvery() > 0 || resumeFrom.isPresent() || trainerLoadsCheckpoint ? store : null,
                this::record, () -> stopAfterIteration, measured,
                sftAccuracy, rolloutWorkers, syncs, done, this::fail, this::rewound, progress, this::checkpointed);
        startSystem(callerSystem, plan);
        Throwable failure = null;
        try {
            // The result is out before the node stops: a cluster node leaving may end the JVM (exit-jvm).
            RunResult r = finish(awaitEnd(), first);
            result.complete(r);
            return r;
        } catch (Exception e) {
            failure = e;
            result.completeExceptionally(e);
            throw e;
        } finally {
            stopSystem(failure);
            closeQuietly();
            stopped.complete(null);
        }
    }

    private void startSystem(ActorSystem<?> callerSystem, RoleWiring.Plan plan) {
        if (callerSystem != null) {
            system = callerSystem;
            guardian = callerSystem.systemActorOf(RoleWiring.create(plan), "tributary-" + Long.toHexString(started),
                    Props.empty());
            startMonitor();
            return;
        }
        Config config = ConfigFactory.parseMap(Map.of("pekko.cluster.roles", List.copyOf(topology.roles())))
                .withFallback(ConfigFactory.parseString("pekko.coordinated-shutdown.reason-overrides.\""
                        + RunFailedReason.class.getName() + "\".exit-code = " + FAILED_EXIT_CODE))
                .withFallback(settings.config());
        ownSystem = true;
        ActorSystem<Void> created = ActorSystem.create(RoleWiring.create(plan), "tributary", config);
        system = created;
        // Early in the shutdown: a node leaving at the run's end may exit the JVM (exit-jvm) before it terminates.
        CoordinatedShutdown.get(created).addTask(CoordinatedShutdown.PhaseBeforeServiceUnbind(), "tributary-run-end",
                () -> {
                    leaving.complete(null);
                    return CompletableFuture.completedFuture(Done.getInstance());
                });
        if (topology.cluster()) {
            ClusterFormation.start(system); // seed nodes, or Cluster Bootstrap with tributary.cluster.bootstrap = on
        }
        startMonitor();
    }

    /**
     * With tributary.monitor.http = on: this node's metrics (and its roles' gauges) on pekko-management's HTTP
     * server, started here unless Cluster Bootstrap started it; one line says where.
     */
    private void startMonitor() {
        if (!MonitorSettings.of(settings).http()) {
            return;
        }
        NodeMetrics m = NodeMetrics.get(system).bindRoles(topology.roles());
        if (topology.has(RoleKeys.REPLAY) && parts.replayStore() != null) {
            m.bindReplay(parts.replayStore()::size, settings.replay().capacity());
        }
        boolean trainer = topology.has(RoleKeys.TRAINER);
        if (topology.cluster() && (trainer || topology.has(RoleKeys.ROLLOUT))) {
            long bytes = FlatWeights.export(parts.policy().params(), PolicyVersion.INITIAL).bytes();
            m.bindWeights(trainer ? "published" : "loaded", syncs::size,
                    () -> syncs.keySet().stream().mapToLong(PolicyVersion::number).max().orElse(-1), bytes);
        }
        monitor = m;
        org.apache.pekko.management.javadsl.PekkoManagement management =
                org.apache.pekko.management.javadsl.PekkoManagement.get(system);
        Object where;
        try {
            where = management.start().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
            throw new SettingsException("pekko.management.http.port", system.settings().config().getValue(
                    "pekko.management.http.port").render(), "a port this node can serve its metrics on "
                    + "(tributary.monitor.http = on; every node on one machine needs its own), but " + cause, cause);
        }
        if (ownSystem) {
            CoordinatedShutdown.get(system).addTask(CoordinatedShutdown.PhaseBeforeActorSystemTerminate(),
                    "tributary-stop-monitor", () -> management.stop().exceptionally(e -> Done.getInstance()));
        }
        String base = where.toString().replaceAll("/$", "");
        progress.accept("metrics at " + base + "/metrics" + (topology.has(RoleKeys.MASTER)
                ? ", dashboard at " + base + "/dashboard" : ""));
    }

    /**
     * The run's end on the node whose master ran it to the end; on every other node of a cluster (a standby master
     * too), the end of its actor system (the cluster was left).
     */
    private Master.Finished awaitEnd() throws Exception {
        CompletableFuture<?> end = !topology.cluster() ? done
                : CompletableFuture.anyOf(done, leaving, system.getWhenTerminated().toCompletableFuture());
        try {
            end.get();
        } catch (ExecutionException e) {
            throw e.getCause() instanceof Exception x ? x : e;
        }
        return done.getNow(null);
    }

    /** The exit code of a node whose run failed, when Pekko ends the JVM (exit-jvm); the CLI's own is the same. */
    public static final int FAILED_EXIT_CODE = 1;

    private void fail(Throwable cause) {
        done.completeExceptionally(cause);
    }

    /** The master's node: the run rewinds to the checkpoint after {@code iteration}; later metrics rows go. */
    private void rewound(int iteration) {
        synchronized (this) {
            keptThrough = iteration;
            if (files != null) {
                try {
                    files.rewind(iteration);
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot rewind the metrics files in " + settings.run().outDir(), e);
                }
            }
        }
    }

    /** The master's node: what a committed checkpoint cost, per part, into the out-dir's checkpoints.csv. */
    private void checkpointed(List<PartReply.Written> parts) {
        NodeMetrics m = monitor;
        if (m != null && !parts.isEmpty()) {
            m.events().add(String.format(Locale.ROOT, "checkpoint after iteration %d written (%s)",
                    parts.get(0).iteration(), String.join(", ", parts.stream().map(PartReply.Written::part).toList())));
        }
        try {
            CheckpointCosts.append(settings.run().outDir(), parts);
        } catch (IOException e) {
            progress.accept("could not record the checkpoint's cost in " + settings.run().outDir() + ": "
                    + e.getMessage());
        }
    }

    /**
     * One iteration, on the master's node: the run's files are opened with the first. A report that comes after
     * this node's part of the run ended (a master that is handing over as its node leaves) is not recorded here.
     */
    private synchronized void record(IterationReport r) {
        if (filesClosed) {
            return;
        }
        if (files == null) {
            try {
                if (resumeFrom.isEmpty()) {
                    RunFiles.writeRunFiles(settings, sftAccuracy.getNow(Double.NaN));
                }
                files = RunFiles.open(settings, resumeFrom.map(Checkpoint::iteration).orElse(keptThrough),
                        this::workers, progress);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write the run's files into " + settings.run().outDir(), e);
            }
        }
        files.accept(r);
        NodeMetrics m = monitor;
        if (m != null) {
            List<IterationMetrics> rows = files.metrics();
            if (!rows.isEmpty()) {
                m.iteration(rows.get(rows.size() - 1));
            }
        }
    }

    private int workers() {
        int registered = rolloutWorkers.get();
        return registered > 0 ? registered : settings.rollout().workers();
    }

    private RunResult finish(Master.Finished finished, int firstIteration) throws IOException {
        Duration elapsed = Duration.ofNanos(System.nanoTime() - started);
        double sft = sftAccuracy.getNow(Double.NaN);
        RunFiles f;
        synchronized (this) {
            f = files;
        }
        if (finished == null || f == null) {
            // A node without the master: the run ended elsewhere.
            return new RunResult(settings.run().outDir(), sft, Double.NaN, firstIteration, firstIteration - 1,
                    finished == null ? PolicyVersion.INITIAL : finished.version(), List.of(), currentWeights(), elapsed);
        }
        if (resumeFrom.isEmpty()) {
            RunFiles.writeRunFiles(settings, sft);
        }
        List<IterationMetrics> history = f.plot(sft);
        int last = history.isEmpty() ? firstIteration - 1 : history.get(history.size() - 1).iteration();
        return new RunResult(settings.run().outDir(), sft, RunFiles.finalAccuracy(history), firstIteration, last,
                finished.version(), history, topology.has(RoleKeys.TRAINER) ? FlatWeights.export(
                parts.policy().params(), finished.version()) : null, elapsed);
    }

    /**
     * The master's node ends a cluster run for every node: after a success by asking each to leave, after a
     * failure by telling each why first (each then exits non-zero); then this node's roles stop. Never throws.
     */
    private void stopSystem(Throwable failure) {
        try {
            stopOrThrow(failure);
        } catch (Exception e) {
            progress.accept("the node did not stop cleanly: " + e);
        }
    }

    private void stopOrThrow(Throwable failure) throws Exception {
        ActorSystem<?> s = system;
        if (s == null) {
            return;
        }
        if (!ownSystem) {
            ActorRef<Void> g = guardian;
            if (g != null) {
                // A top-level actor of the caller's system: only the system can stop it (an actor may stop only
                // its own children).
                org.apache.pekko.actor.typed.javadsl.Adapter.toClassic(s)
                        .stop(org.apache.pekko.actor.typed.javadsl.Adapter.toClassic(g));
            }
            return;
        }
        if (topology.cluster() && !cancelled) {
            if (failure != null) {
                if (topology.has(RoleKeys.MASTER)) {
                    tellEveryNode(s, failure);
                }
                // Leaves the cluster and, with exit-jvm, exits with the run-failed code (not Pekko's 0).
                CoordinatedShutdown.get(s).run(RunFailedReason.INSTANCE);
            } else if (done.isDone() && !done.isCompletedExceptionally()) {
                // This node's master ran the run to its end (a standby master that never ran leaves with the rest).
                endCluster(s);
            } else if (!leaving.isDone()) {
                s.terminate();
            }
            // Leaving the cluster, Pekko finishes this node's shutdown (and with exit-jvm ends the JVM) on its own:
            // waiting for its termination here could wait on the very thread that is exiting the JVM.
            leaving.get(1, TimeUnit.MINUTES);
            return;
        }
        s.terminate();
        s.getWhenTerminated().toCompletableFuture().get(1, TimeUnit.MINUTES);
    }

    /** How long the master's node waits for the other nodes to take note of a failed run. */
    private static final Duration NOTICE_WAIT = Duration.ofSeconds(5);

    /** Tells every other node that the run failed and why, and waits (briefly) until each has taken note. */
    private void tellEveryNode(ActorSystem<?> s, Throwable failure) {
        String reason = "the run failed on the master's node " + s.address().hostPort() + ": "
                + RoleWiring.oneLine(failure);
        try {
            Receptionist.Listing listing = AskPattern.<Receptionist.Command, Receptionist.Listing>ask(
                    s.receptionist(), r -> Receptionist.find(NodeLink.KEY, r), NOTICE_WAIT, s.scheduler())
                    .toCompletableFuture().get(NOTICE_WAIT.toMillis(), TimeUnit.MILLISECONDS);
            List<CompletableFuture<RunFailed.Noted>> noted = new ArrayList<>();
            for (ActorRef<RunFailed> node : listing.getServiceInstances(NodeLink.KEY)) {
                // This node's own link is local (an address without host); it stops with this node.
                if (node.path().address().hasGlobalScope() && !node.path().address().equals(s.address())) {
                    noted.add(AskPattern.<RunFailed, RunFailed.Noted>ask(node, r -> new RunFailed(reason, r),
                            NOTICE_WAIT, s.scheduler()).toCompletableFuture());
                }
            }
            CompletableFuture.allOf(noted.toArray(CompletableFuture[]::new)).exceptionally(e -> null)
                    .get(NOTICE_WAIT.toMillis() + 1000, TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            progress.accept("could not tell every node that the run failed: " + e.getMessage());
        }
    }

    /** The reason of a shutdown after a failed run: Pekko exits with code 1 for it (see the system's config). */
    static final class RunFailedReason implements CoordinatedShutdown.Reason {
        static final RunFailedReason INSTANCE = new RunFailedReason();

        private RunFailedReason() {
        }
    }

    /** How long the master's node waits for the other nodes to leave before it leaves itself. */
    private static final Duration OTHERS_LEAVE = Duration.ofSeconds(20);

    /**
     * Asks every other member of the cluster to leave, waits until they have (or are unreachable), then leaves:
     * with this node still up, its leader moves each leaving node out before that node's JVM exits. Leaving all at
     * once, a node could exit before the others saw it removed: they then marked it unreachable, the split brain
     * resolver downed everyone, and this node's cluster-exiting phase waited out its 10 s timeout.
     */
    private static void endCluster(ActorSystem<?> system) throws InterruptedException {
        Cluster cluster = Cluster.get(system);
        org.apache.pekko.actor.Address self = cluster.selfMember().address();
        for (org.apache.pekko.cluster.Member m : cluster.state().getMembers()) {
            if (!m.address().equals(self)) {
                cluster.manager().tell(new org.apache.pekko.cluster.typed.Leave(m.address()));
            }
        }
        long deadline = System.nanoTime() + OTHERS_LEAVE.toNanos();
        while (System.nanoTime() < deadline && othersRemain(cluster, self)) {
            Thread.sleep(50);
        }
        cluster.manager().tell(new org.apache.pekko.cluster.typed.Leave(self));
    }

    /** Another member is still in the cluster and reachable (an unreachable one will not answer a leave). */
    private static boolean othersRemain(Cluster cluster, org.apache.pekko.actor.Address self) {
        var state = cluster.state();
        for (org.apache.pekko.cluster.Member m : state.getMembers()) {
            if (!m.address().equals(self) && !state.getUnreachable().contains(m)) {
                return true;
            }
        }
        return false;
    }

    private synchronized void closeQuietly() {
        filesClosed = true;
        if (sandbox != null) {
            sandbox.close();
        }
        if (files != null) {
            try {
                files.close(); // a run stopped before its end keeps the rows it wrote
            } catch (IOException e) {
                progress.accept("could not close the metrics files: " + e.getMessage());
            }
        }
    }

    private synchronized Sandbox sandbox() {
        if (sandbox == null) {
            sandbox = Sandbox.create();
        }
        return sandbox;
    }

    // ---- what the handle reads and asks ----

    public CompletionStage<RunResult> result() {
        return result.copy();
    }

    /** Completes once the node has stopped: its roles, and on a cluster its membership. */
    public CompletionStage<Void> stopped() {
        return stopped.copy();
    }

    public synchronized List<IterationMetrics> metrics() {
        return files == null ? List.of() : files.metrics();
    }

    public void stopAfterIteration() {
        stopAfterIteration = true;
    }

    /** Stops the run at once: SFT at its next step, the roles now; the result completes exceptionally. */
    public void shutdown(Duration wait) throws InterruptedException {
        cancelled = true;
        done.completeExceptionally(new CancellationException("the run was shut down"));
        Thread t = thread;
        if (t != null) {
            t.join(wait.toMillis());
        }
    }

    public Path outDir() {
        return settings.run().outDir();
    }

    public Set<String> roles() {
        return topology.roles();
    }

    /** The actor system the roles run on, once started; null before. */
    public ActorSystem<?> system() {
        return system;
    }

    public double sftAccuracy() {
        return sftAccuracy.getNow(Double.NaN);
    }

    public Map<PolicyVersion, Long> weightChecksums() {
        return Map.copyOf(syncs);
    }

    /** This node's policy weights now. */
    public FlatWeights currentWeights() {
        return FlatWeights.export(parts.policy().params(), PolicyVersion.INITIAL);
    }
}
