package dev.tributary.testkit;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.tributary.runtime.Plugins;
import dev.tributary.runtime.RunResult;
import dev.tributary.runtime.RunSpec;
import dev.tributary.runtime.Tributary;
import dev.tributary.runtime.TributaryRun;
import dev.tributary.runtime.metrics.IterationMetrics;
import dev.tributary.runtime.settings.TributarySettings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Down;

/**
 * A load test of a real Tributary run on Pekko's ActorTestKit. The master, work pulling, the segment streams, the
 * replay buffer and the weight sync are the runtime's own; the rollout workers, the reward function and the
 * trainer step are synthetic plug-ins with the timing of a {@link LoadProfile}. The run's nodes are started as
 * {@link Tributary#start(RunSpec)} starts any, each on an ActorSystem of its own: one with every role, or K on
 * 127.0.0.1 forming a cluster, one with the master, replay buffer, reward and trainer and the others with the
 * workers, with the profile's {@link Fault}s injected while the run goes on. The test's ActorTestKit (from Pekko's
 * JUnit 5 extension) hosts the {@link IterationProbe} and is left running.
 *
 * <pre>{@code
 * @ExtendWith(TestKitJUnit5Extension.class)
 * class MyLoadTest {
 *     @JUnit5TestKit
 *     final ActorTestKit testKit = new JUnit5TestKitBuilder().build();
 *
 *     @Test
 *     void nothingIsLost() {
 *         try (LoadTest load = LoadTest.start(testKit, LoadProfile.builder().workers(32).build())) {
 *             load.iterations().awaitIteration(1, Duration.ofMinutes(1));
 *             load.awaitReport(Duration.ofMinutes(2)).assertNoLoss();
 *         }
 *     }
 * }
 * }</pre>
 *
 * <p>The run writes its metrics files into a temporary directory that {@link #close()} deletes (or into
 * {@link Builder#outDir}).
 */
public final class LoadTest implements AutoCloseable {
    private static final Set<String> HEAD_ROLES = Set.of("master", "replay", "reward", "trainer");
    private static final long FAULT_SALT = 0xFA17L;
    private static final int KEPT_LINES = 40;
    private static final Duration SHUTDOWN = Duration.ofSeconds(30);

    private final LoadProfile profile;
    private final ActorTestKit testKit;
    private final Consumer<String> progress;
    private final Path outDir;
    private final boolean ownsOutDir;
    private final Ledger ledger = new Ledger();
    private final Workers workers = new Workers();
    private final AtomicReference<CountingStore> store = new AtomicReference<>();
    private final TestProbe<IterationProbe.Event> events;
    private final IterationProbe probe;
    private final List<Node> nodes = new ArrayList<>();
    private final List<LoadReport.FaultEvent> faults = new ArrayList<>();
    /** Per recorded iteration: process CPU and the synthetic roles' CPU when it was recorded. */
    private final Map<Integer, long[]> marks = new ConcurrentHashMap<>();
    private final Deque<String> lastLines = new ArrayDeque<>();
    /** Separate locks: the master's thread delivers iterations while the test thread may be closing the systems. */
    private final Object deliverLock = new Object();
    private final Object faultLock = new Object();
    private final ExecutorService faultThread = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "testkit-faults");
        t.setDaemon(true);
        return t;
    });
    private ResourceMeter meter;
    private long startNanos;
    private volatile TributaryRun head;
    private volatile long liveFixed = -1;
    private volatile long liveInFlight = -1;
    private int delivered;
    private boolean closed;

    /** One node of the run: every role, or the head (master, replay, reward, trainer), or a rollout node. */
    private static final class Node {
        final String name;
        final Set<String> roles;
        final int workers;
        final TributaryRun run;
        volatile Fault hit;

        Node(String name, Set<String> roles, int workers, TributaryRun run) {
            this.name = name;
            this.roles = roles;
            this.workers = workers;
            this.run = run;
        }

        /** The node's ActorSystem, the runtime's own; null until the run has started it. */
        ActorSystem<?> system() {
            return run.system();
        }
    }

    /** How a load test is started; {@link #start()} starts it. */
    public static final class Builder {
        private final ActorTestKit testKit;
        private LoadProfile profile = LoadProfile.defaults();
        private Plugins plugins = Plugins.builtIn();
        private Consumer<String> progress = line -> { };
        private Path outDir;

        private Builder(ActorTestKit testKit) {
            this.testKit = Objects.requireNonNull(testKit, "ActorTestKit");
        }

        public Builder profile(LoadProfile p) {
            profile = Objects.requireNonNull(p, "load profile");
            return this;
        }

        /**
         * The plug-ins the synthetic ones are added to: a role given an instance here (your reward function, say)
         * keeps it; names registered here may be chosen in the profile's settings.
         */
        public Builder plugins(Plugins p) {
            plugins = Objects.requireNonNull(p, "plug-ins");
            return this;
        }

        /** Where the run's progress lines go (every node's; other nodes' prefixed with the node); dropped by default. */
        public Builder progress(Consumer<String> lines) {
            progress = Objects.requireNonNull(lines, "progress");
            return this;
        }

        /** Where the run writes its metrics files (an empty or missing directory); a temporary one by default. */
        public Builder outDir(Path dir) {
            outDir = dir;
            return this;
        }

        /**
         * Starts the run: its settings and plug-ins are checked first (a bad one fails here, in one line naming
         * it), then it goes on in the background.
         */
        public LoadTest start() {
            LoadTest t = new LoadTest(this);
            try {
                t.begin(plugins);
            } catch (RuntimeException | Error e) {
                t.close();
                throw e;
            }
            return t;
        }
    }

    /** A builder for a load test whose iteration probe lives on {@code testKit}. */
    public static Builder builder(ActorTestKit testKit) {
        return new Builder(testKit);
    }

    /** Starts {@code profile} on {@code testKit}. */
    public static LoadTest start(ActorTestKit testKit, LoadProfile profile) {
        return builder(testKit).profile(profile).start();
    }

    private LoadTest(Builder b) {
        this.profile = b.profile;
        this.testKit = b.testKit;
        this.progress = b.progress;
        this.ownsOutDir = b.outDir == null;
        try {
            this.outDir = b.outDir != null ? b.outDir : Files.createTempDirectory("tributary-load-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a temporary out-dir for the load test", e);
        }
        this.events = testKit.createTestProbe(IterationProbe.Event.class);
        this.probe = new IterationProbe(events);
    }

    private void begin(Plugins base) {
        int all = profile.workers();
        SyntheticRoles.Inner inner = SyntheticRoles.inner(SyntheticRoles.chosen(profile, outDir, all, all));
        Plugins plugins = SyntheticRoles.plugins(base, profile, inner, ledger, workers, store);
        if (!profile.faults().isEmpty()) {
            ledger.onFinished(trigger(profile.faults()));
        }
        if (profile.iterations() > 1) {
            // Two full collections in iteration 1, which the rates leave out: nodes only, then an iteration in flight.
            long inFlight = profile.trajectoriesPerIteration();
            ledger.onProgress(() -> liveFixed = ResourceMeter.liveHeapBytes(), stored -> {
                if (stored == inFlight) {
                    liveInFlight = ResourceMeter.liveHeapBytes();
                }
            });
        }
        meter = new ResourceMeter();
        startNanos = System.nanoTime();
        startNodes(plugins);
        deliverNew();
        head.result().whenComplete((r, e) -> events.ref().tell(new IterationProbe.Ended(e)));
    }

    /**
     * One ActorSystem with every role, or a head and rollout nodes forming a cluster on 127.0.0.1 through the
     * head's address as their seed node. Each node is a run of its own ActorSystem, started as {@code tributary
     * node} starts one; the master's node ends the cluster at the run's end.
     */
    private void startNodes(Plugins plugins) {
        if (profile.systems() == 1) {
            head = node("embedded", RunSpec.ALL_ROLES, profile.workers(), quiet(), plugins).run;
            return;
        }
        int port = Loopback.freePort();
        Config cluster = quiet().withFallback(ConfigFactory.parseString("""
                pekko {
                  actor.provider = cluster
                  remote.artery.canonical.hostname = "127.0.0.1"
                  cluster {
                    seed-nodes = ["pekko://tributary@127.0.0.1:%d"]
                    seed-node-timeout = 1s
                    jmx.enabled = off
                  }
                }
                """.formatted(port)));
        head = node("head", HEAD_ROLES, profile.workers(), ConfigFactory.parseMap(Map.of(
                "pekko.remote.artery.canonical.port", port)).withFallback(cluster), plugins).run;
        int rolloutNodes = profile.systems() - 1;
        for (int i = 0; i < rolloutNodes; i++) {
            node("rollout-" + (i + 1), Set.of("rollout"), profile.workers() / rolloutNodes
                    + (i < profile.workers() % rolloutNodes ? 1 : 0), ConfigFactory.parseMap(Map.of(
                    "pekko.remote.artery.canonical.port", 0)).withFallback(cluster), plugins);
        }
    }

    private static Config quiet() {
        return ConfigFactory.parseString("""
                pekko {
                  loglevel = WARNING
                  log-dead-letters = off
                  log-dead-letters-during-shutdown = off
                  coordinated-shutdown.exit-jvm = off
                  # Pekko's unbounded mailboxes, metered: the report's mailbox high-water marks.
                  actor.default-mailbox.mailbox-type = "dev.tributary.testkit.MeteredMailbox"
                  actor.typed.default-mailbox { mailbox-type = "dev.tributary.testkit.MeteredMailbox", single-consumer = on }
                }
                """);
    }

    private Node node(String name, Set<String> roles, int nodeWorkers, Config pekko, Plugins plugins) {
        boolean first = nodes.isEmpty();
        // A profile's own pekko.* settings (a log level, a dispatcher's size) win over the harness's.
        Config own = profile.settings().hasPath("pekko") ? profile.settings().withOnlyPath("pekko")
                : ConfigFactory.empty();
        Config settings = own.withFallback(pekko).withFallback(SyntheticRoles.settings(profile, outDir,
                Math.max(1, nodeWorkers), profile.workers()));
        Consumer<String> lines = first ? this::headProgress : line -> progress.accept(name + ": " + line);
        TributaryRun run = Tributary.start(RunSpec.of(TributarySettings.load(settings)).withRoles(roles)
                .withPlugins(plugins).withProgress(lines));
        Node n = new Node(name, roles, roles.contains("rollout") ? nodeWorkers : 0, run);
        nodes.add(n);
        return n;
    }

    /** The fault trigger: each finished trajectory fires each plan with its rate, decided by the seed and its id. */
    private Consumer<String> trigger(List<Fault.Plan> plans) {
        AtomicInteger[] fired = plans.stream().map(p -> new AtomicInteger()).toArray(AtomicInteger[]::new);
        return id -> {
            for (int i = 0; i < plans.size(); i++) {
                Fault.Plan p = plans.get(i);
                if (fired[i].get() < p.max() && Seeds.uniform(profile.seed(), id.hashCode(), i, FAULT_SALT) * 1000
                        < p.perThousand() && fired[i].incrementAndGet() <= p.max()) {
                    faultThread.execute(() -> inject(p.kind()));
                }
            }
        };
    }

    /**
     * Injects {@code kind} now into one rollout node still serving (chosen by the seed), never the last one, and
     * returns what was done. Needs a run over 3 or more ActorSystems.
     */
    public LoadReport.FaultEvent inject(Fault kind) {
        synchronized (faultLock) {
            return injectNow(kind);
        }
    }

    private LoadReport.FaultEvent injectNow(Fault kind) {
        if (profile.systems() < 3) {
            throw new IllegalStateException("fault " + kind + ": expected a load test over systems >= 3; in one "
                    + "ActorSystem the run cannot lose a worker and go on");
        }
        double at = (System.nanoTime() - startNanos) / 1e9;
        long after = ledger.finishedEmitted();
        List<Node> serving = nodes.stream().filter(n -> n.roles.contains("rollout") && n.hit == null).toList();
        if (serving.size() < 2) {
            return recorded(new LoadReport.FaultEvent(kind, "-", at, after, 0, "skipped: "
                    + (serving.isEmpty() ? "no" : "only one") + " rollout node left serving"));
        }
        Node target = serving.get(Math.floorMod(Seeds.mix(profile.seed() + faults.size()), serving.size()));
        ActorSystem<?> system = target.system();
        if (system == null) {
            return recorded(new LoadReport.FaultEvent(kind, target.name, at, after, 0, "skipped: not started yet"));
        }
        String node = target.name + " (" + system.address().hostPort() + ")";
        String outcome;
        switch (kind) {
            case STOP_WORKER -> {
                var engines = workers.on(system);
                if (engines.isEmpty()) {
                    return recorded(new LoadReport.FaultEvent(kind, node, at, after, 0, "skipped: no worker started"));
                }
                var engine = engines.get(Math.floorMod(Seeds.mix(profile.seed() ^ after), engines.size()));
                engine.tell(SyntheticEngine.Stop.INSTANCE);
                outcome = "stopped " + engine.path().parent().name() + "; the node's rollout role failed and its "
                        + target.workers + " workers left the run";
            }
            case DOWN_NODE -> {
                Cluster.get(nodes.get(0).system()).manager().tell(new Down(system.address()));
                outcome = "downed; its " + target.workers + " workers left the run";
            }
            case TERMINATE_SYSTEM -> {
                system.terminate();
                outcome = "ActorSystem terminated; its " + target.workers + " workers left the run";
            }
            default -> throw new IllegalArgumentException("fault " + kind);
        }
        target.hit = kind;
        return recorded(new LoadReport.FaultEvent(kind, node, at, after, target.workers, outcome));
    }

    private LoadReport.FaultEvent recorded(LoadReport.FaultEvent e) {
        faults.add(e);
        progress.accept("fault: " + e.kind() + " " + e.node() + ": " + e.outcome());
        return e;
    }

    private void headProgress(String line) {
        progress.accept(line);
        synchronized (lastLines) {
            lastLines.addLast(line);
            if (lastLines.size() > KEPT_LINES) {
                lastLines.removeFirst();
            }
        }
        deliverNew();
    }

    /** Hands every iteration recorded since the last call to the probe (the run records one before its line). */
    private void deliverNew() {
        synchronized (deliverLock) {
            deliverNewLocked();
        }
    }

    private void deliverNewLocked() {
        TributaryRun run = head;
        if (run == null) {
            return;
        }
        List<IterationMetrics> recorded = run.metrics();
        delivered = Math.min(delivered, recorded.size());
        for (int i = delivered; i < recorded.size(); i++) {
            IterationMetrics m = recorded.get(i);
            marks.put(m.iteration(), new long[] {meter.processCpuNanos(), ledger.syntheticCpuNanos()});
            events.ref().tell(new IterationProbe.Iteration(m));
            if (!profile.duration().isZero() && System.nanoTime() - startNanos >= profile.duration().toNanos()) {
                run.stopAfterIteration();
            }
        }
        delivered = recorded.size();
    }

    /** The probe of the run's iterations. */
    public IterationProbe iterations() {
        return probe;
    }

    /** The handle of the run's master node (the only node with one ActorSystem). */
    public TributaryRun run() {
        return head;
    }

    /** The ActorSystems the run spans, the master's first: the harness's own, each of an ActorTestKit. */
    public List<ActorSystem<?>> systems() {
        return nodes.stream().<ActorSystem<?>>map(Node::system).toList();
    }

    /**
     * Waits at most {@code max} for the run's end and reports on it. Fails with the run's failure (and its last
     * progress lines) if it failed, or if it is still going after {@code max}.
     */
    public LoadReport awaitReport(Duration max) {
        RunResult result;
        try {
            result = head.result().toCompletableFuture().get(max.toMillis(), TimeUnit.MILLISECONDS);
            head.stopped().toCompletableFuture().get(SHUTDOWN.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new AssertionError("the load test's run did not end within " + max + "; its last lines:\n"
                    + lastLines(), e);
        } catch (ExecutionException e) {
            throw new AssertionError("the load test's run failed: " + IterationProbe.oneLine(e.getCause())
                    + "\nits last lines:\n" + lastLines(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while waiting for the load test's run", e);
        }
        return report(result);
    }

    private String lastLines() {
        synchronized (lastLines) {
            return String.join("\n", lastLines);
        }
    }

    private LoadReport report(RunResult result) {
        List<IterationMetrics> all = result.metrics();
        int from = all.size() > 1 ? 2 : 1;
        List<IterationMetrics> measured = all.subList(from - 1, all.size());
        double seconds = measured.stream().mapToDouble(IterationMetrics::seconds).sum();
        long trained = measured.stream().mapToLong(IterationMetrics::trainedSamples).sum();
        double tokens = measured.stream().mapToDouble(m -> m.tokensPerSecond() * m.rolloutSeconds()).sum();
        var throughput = new LoadReport.Throughput(perSecond(trained, seconds), perSecond(tokens, seconds), from);
        double rollout = mean(measured, IterationMetrics::rolloutSeconds);
        double train = mean(measured, IterationMetrics::trainSeconds);
        double sync = mean(measured, IterationMetrics::syncSeconds);
        double iteration = mean(measured, IterationMetrics::seconds);
        var phases = new LoadReport.Phases(iteration, rollout, train, sync, Math.max(0, iteration - rollout - train - sync));
        long[] end = marks.getOrDefault(all.isEmpty() ? 0 : all.get(all.size() - 1).iteration(),
                new long[] {meter.processCpuNanos(), ledger.syntheticCpuNanos()});
        long[] begin = from == 2 ? marks.getOrDefault(all.get(0).iteration(), end) : new long[] {meter.startCpuNanos(), 0};
        double cpuMicros = ((end[0] - begin[0]) - (end[1] - begin[1])) / 1e3;
        long fixed = liveFixed;
        long inFlight = liveInFlight;
        var resources = new LoadReport.Resources(trained > 0 ? cpuMicros / trained : 0, meter.peakUsedBytes(),
                meter.peakRetainedBytes(), meter.baselineRetainedBytes(), meter.collections(), fixed, inFlight,
                fixed < 0 || inFlight < 0 ? Double.NaN : (double) (inFlight - fixed) / profile.trajectoriesPerIteration());
        CountingStore s = store.get();
        var exactlyOnce = ledger.account(s == null ? List.of() : s.contents(),
                all.isEmpty() ? 0 : all.get(all.size() - 1).iteration());
        var synthetic = ledger.synthetic();
        List<LoadReport.FaultEvent> injected;
        synchronized (faultLock) {
            injected = List.copyOf(faults);
        }
        return new LoadReport(shape(), all, throughput, phases, resources, weightSync(all, synthetic.weightsBytes()),
                exactlyOnce, synthetic, injected, buffers(), ledger.staleness());
    }

    private LoadReport.Buffers buffers() {
        List<LoadReport.MailboxMark> marks = new ArrayList<>();
        for (Node n : nodes) {
            ActorSystem<?> system = n.system();
            if (system != null) {
                MeteredMailbox.marks(system).forEach(m -> marks.add(new LoadReport.MailboxMark(n.name, m.path(),
                        m.messages())));
            }
        }
        marks.sort(Comparator.comparingInt(LoadReport.MailboxMark::messages).reversed());
        return new LoadReport.Buffers(ledger.streamHighWater(), marks);
    }

    private LoadReport.WeightSync weightSync(List<IterationMetrics> all, long bytes) {
        double mean = mean(all, IterationMetrics::syncSeconds);
        double max = all.stream().mapToDouble(IterationMetrics::syncSeconds).max().orElse(0);
        if (nodes.size() == 1) {
            return new LoadReport.WeightSync(bytes, mean, max, "shared parameters (one JVM: nothing copied)", 0, 0);
        }
        var published = head.weightChecksums();
        int checked = 0;
        int mismatches = 0;
        for (Node n : nodes.subList(1, nodes.size())) {
            for (var e : n.run.weightChecksums().entrySet()) {
                Long p = published.get(e.getKey());
                if (p != null) {
                    checked++;
                    mismatches += p.equals(e.getValue()) ? 0 : 1;
                }
            }
        }
        return new LoadReport.WeightSync(bytes, mean, max, "broadcast in checked chunks to " + (nodes.size() - 1)
                + " rollout nodes", checked, mismatches);
    }

    private String shape() {
        return profile.workers() + " workers in " + (profile.systems() == 1 ? "1 ActorSystem" : profile.systems()
                + " ActorSystems") + " · " + profile.promptsPerIteration() + " prompts × " + profile.samplesPerPrompt()
                + " samples · " + profile.iterations() + " iterations" + (profile.duration().isZero() ? ""
                : " or " + profile.duration().toMillis() / 1000.0 + " s") + " · seed " + profile.seed();
    }

    private static double mean(List<IterationMetrics> ms, java.util.function.ToDoubleFunction<IterationMetrics> f) {
        return ms.stream().mapToDouble(f).average().orElse(0);
    }

    private static double perSecond(double count, double seconds) {
        return seconds > 0 ? count / seconds : 0;
    }

    /**
     * Stops the run if it is still going, waits until every node has stopped (their ActorSystems; never the test
     * kit's) and deletes the temporary out-dir.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        faultThread.shutdownNow();
        try {
            // The master's node ends the cluster when the run is over; a run still going is shut down, node by node.
            for (Node n : nodes) {
                if (!n.run.isDone()) {
                    n.run.close();
                }
                n.run.stopped().toCompletableFuture().get(SHUTDOWN.toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            progress.accept("a node of the load test did not stop cleanly: " + e);
        } finally {
            if (meter != null) {
                meter.close();
            }
            for (Node n : nodes) {
                if (n.system() != null) {
                    MeteredMailbox.forget(n.system());
                }
            }
            if (ownsOutDir) {
                deleteQuietly(outDir);
            }
        }
    }

    private static void deleteQuietly(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a temporary directory; the OS cleans up what is left
        }
    }
}
