package dev.tributary.runtime.monitor;

import dev.tributary.runtime.metrics.IterationMetrics;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;
import java.util.function.ToDoubleFunction;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.typed.Cluster;

/**
 * One node's metrics, kept in a Micrometer registry that renders Prometheus' text format for {@code /metrics}
 * ({@link MonitorRoutes}). Every node has the JVM's memory, threads and CPU, the off-heap memory ND4J holds through
 * JavaCPP, its roles, and on a cluster the members it sees by role and reachability; the run adds what the node's
 * roles know ({@link #bindReplay}, {@link #bindWeights}) and, on the master's node, every iteration's figures
 * ({@link #iteration}). The names are listed in the README ("Monitoring a run"). One per actor system.
 */
public final class NodeMetrics {
    /** Keyed by the classic system, which the typed system and pekko-management's route providers share. */
    private static final class Id extends org.apache.pekko.actor.AbstractExtensionId<Holder> {
        static final Id INSTANCE = new Id();

        @Override
        public Holder createExtension(org.apache.pekko.actor.ExtendedActorSystem system) {
            return new Holder(new NodeMetrics(org.apache.pekko.actor.typed.javadsl.Adapter.toTyped(system)));
        }
    }

    private record Holder(NodeMetrics metrics) implements org.apache.pekko.actor.Extension {
    }
    /** Rows the dashboard can draw: the newest iterations. */
    static final int HISTORY = 2000;

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final ActorSystem<?> system;
    private final boolean cluster;
    private final MultiGauge members;
    private final RunEvents events = new RunEvents(200);
    private final List<IterationMetrics> history = new ArrayList<>();
    private volatile IterationMetrics last;
    private volatile List<String> roles = List.of();
    private final java.util.concurrent.atomic.AtomicReference<IntSupplier> segmentStream =
            new java.util.concurrent.atomic.AtomicReference<>();
    private volatile int segmentCapacity;
    private volatile double heldOut = Double.NaN;
    private final Map<String, double[]> totals = new TreeMap<>();
    /** What function counters read: Micrometer holds it weakly, so a lambda would be collected. */
    private final List<Object> held = new java.util.concurrent.CopyOnWriteArrayList<>();

    public static NodeMetrics get(ActorSystem<?> system) {
        return Id.INSTANCE.get(org.apache.pekko.actor.typed.javadsl.Adapter.toClassic(system)).metrics();
    }

    private NodeMetrics(ActorSystem<?> system) {
        this.system = system;
        this.cluster = "cluster".equals(system.settings().config().getString("pekko.actor.provider"))
                || system.settings().config().getString("pekko.actor.provider").endsWith("ClusterActorRefProvider");
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        Gauge.builder("tributary.offheap.javacpp", () -> javacpp(false)).baseUnit("bytes")
                .description("Off-heap memory ND4J's arrays hold through JavaCPP (Pointer.totalBytes)").register(registry);
        Gauge.builder("tributary.offheap.physical", () -> javacpp(true)).baseUnit("bytes")
                .description("Resident memory of the process as JavaCPP measures it (Pointer.physicalBytes)")
                .register(registry);
        members = MultiGauge.builder("tributary.cluster.members")
                .description("Cluster members this node sees, by role, membership status and reachability")
                .register(registry);
        if (cluster) {
            try {
                system.systemActorOf(ClusterEvents.create(events), "tributary-monitor-cluster-events",
                        org.apache.pekko.actor.typed.Props.empty());
            } catch (RuntimeException terminating) {
                events.add("cluster events are not followed: " + terminating.getMessage());
            }
        }
    }

    /** This node's roles, as the run gave them ({@link #bindRoles}). */
    public List<String> roles() {
        return roles;
    }

    private static double javacpp(boolean physical) {
        try {
            return physical ? org.bytedeco.javacpp.Pointer.physicalBytes() : org.bytedeco.javacpp.Pointer.totalBytes();
        } catch (Throwable notLoaded) {
            return Double.NaN;
        }
    }

    /** This node's roles, as {@code tributary_node_roles{roles="master,replay"} 1}. */
    public NodeMetrics bindRoles(java.util.Collection<String> roles) {
        boolean first = this.roles.isEmpty();
        this.roles = List.copyOf(new java.util.TreeSet<>(roles));
        if (first && roles.contains("master")) {
            iterationMeters(); // the master's node records the iterations; elsewhere they would only be NaN
        }
        Gauge.builder("tributary.node.roles", () -> 1).tags("roles", String.join(",", new java.util.TreeSet<>(roles)))
                .description("The roles this node runs (always 1)").register(registry);
        return this;
    }

    /** The replay buffer on this node: trajectories held (finished and unfinished) and its capacity. */
    public NodeMetrics bindReplay(IntSupplier held, int capacity) {
        Gauge.builder("tributary.replay.trajectories", held::getAsInt).description("Trajectories the replay buffer "
                + "holds, finished and unfinished").register(registry);
        Gauge.builder("tributary.replay.capacity", () -> capacity).description("The replay buffer's capacity "
                + "(tributary.replay.capacity)").register(registry);
        return this;
    }

    /**
     * The weights this node published (the trainer's) or loaded (a rollout node's) over the network: versions, and
     * the bytes they amount to; weights shared in one JVM are not copied and count nothing.
     */
    public NodeMetrics bindWeights(String direction, LongSupplier versions, LongSupplier newest, long bytesPerVersion) {
        held.add(versions);
        FunctionCounter.builder("tributary.weight.sync.versions", versions, v -> v.getAsLong()).tags("direction", direction)
                .description("Weight versions this node " + direction + " over the network").register(registry);
        FunctionCounter.builder("tributary.weight.sync", versions, v -> (double) v.getAsLong() * bytesPerVersion)
                .baseUnit("bytes").tags("direction", direction)
                .description("Bytes of weights this node " + direction + " over the network").register(registry);
        Gauge.builder("tributary.weights.version", newest::getAsLong).description("The newest weight version this "
                + "node holds").register(registry);
        return this;
    }

    /**
     * The rollout node's segment stream: trajectories waiting in its queue (or offered to it while full) before they
     * leave for the reward node, and the queue's capacity. A pipeline built again (a recovered run) replaces the
     * one read.
     */
    public NodeMetrics bindSegmentStream(IntSupplier waiting, int capacity) {
        boolean first = segmentStream.getAndSet(waiting) == null;
        segmentCapacity = capacity;
        if (first) {
            Gauge.builder("tributary.stream.segments.waiting", () -> segmentStream.get().getAsInt())
                    .description("Trajectories waiting in this rollout node's segment stream queue before the reward "
                            + "node takes them (back-pressure shows as this near the capacity)").register(registry);
            Gauge.builder("tributary.stream.segments.capacity", () -> segmentCapacity)
                    .description("The capacity of this rollout node's segment stream queue").register(registry);
        }
        return this;
    }

    private void iterationMeters() {
        gauge("tributary.iteration", "The last RL iteration completed", null, m -> m.iteration());
        gauge("tributary.reward.mean", "Mean reward of the trajectories trained on in the last iteration", null,
                IterationMetrics::meanReward);
        Gauge.builder("tributary.heldout.accuracy", () -> heldOut).baseUnit("ratio")
                .description("Exact match on the held-out set at its last evaluation").register(registry);
        gauge("tributary.response.length", "Mean response length of the last iteration's trajectories", "tokens",
                IterationMetrics::meanResponseLength);
        gauge("tributary.rollout.tokens.per.second", "Tokens generated per second of rollout, last iteration", null,
                IterationMetrics::tokensPerSecond);
        gauge("tributary.worker.busy", "The rollout workers' generating time over workers x the iteration's wall time",
                "ratio", IterationMetrics::workerBusyFraction);
        gauge("tributary.engine.slot.occupancy", "Generated tokens over the engines' decode steps x slots", "ratio",
                IterationMetrics::slotOccupancy);
        for (String phase : List.of("rollout", "train", "sync", "handoff", "iteration")) {
            ToDoubleFunction<IterationMetrics> f = phaseSeconds(phase);
            Gauge.builder("tributary.phase.last", () -> value(f)).tags("phase", phase).baseUnit("seconds")
                    .description("Seconds the phase took in the last iteration (sync: the weight sync; handoff: "
                            + "the device changing hands)").register(registry);
            FunctionCounter.builder("tributary.phase", totals, t -> total(t, "phase." + phase)).tags("phase", phase)
                    .baseUnit("seconds").description("Seconds spent in the phase over the run").register(registry);
        }
        for (String kind : List.of("trained", "partial", "resumed", "repeat_stopped", "stale_dropped")) {
            FunctionCounter.builder("tributary.trajectories", totals, t -> total(t, "trajectories." + kind))
                    .tags("kind", kind).description("Trajectories trained on, cut by the token budget, resumed, stopped "
                            + "for repetition, dropped as stale, over the run").register(registry);
        }
        for (String q : List.of("p50", "p99", "max")) {
            Gauge.builder("tributary.staleness", () -> {
                IterationMetrics m = last;
                return m == null ? Double.NaN : q.equals("p50") ? m.stalenessP50() : q.equals("p99") ? m.stalenessP99()
                        : m.stalenessMax();
            }).tags("quantile", q).baseUnit("versions").description("Versions between a trained token's generating "
                    + "policy and the trained one, last iteration").register(registry);
        }
    }

    private static ToDoubleFunction<IterationMetrics> phaseSeconds(String phase) {
        return switch (phase) {
            case "rollout" -> IterationMetrics::rolloutSeconds;
            case "train" -> IterationMetrics::trainSeconds;
            case "sync" -> IterationMetrics::syncSeconds;
            case "handoff" -> m -> m.handoffMillis() / 1000;
            default -> IterationMetrics::seconds;
        };
    }

    private void gauge(String name, String description, String unit, ToDoubleFunction<IterationMetrics> f) {
        Gauge.Builder<?> b = Gauge.builder(name, () -> value(f)).description(description);
        (unit == null ? b : b.baseUnit(unit)).register(registry);
    }

    private double value(ToDoubleFunction<IterationMetrics> f) {
        IterationMetrics m = last;
        return m == null ? Double.NaN : f.applyAsDouble(m);
    }

    private static double total(Map<String, double[]> totals, String key) {
        synchronized (totals) {
            double[] v = totals.get(key);
            return v == null ? 0 : v[0];
        }
    }

    private void add(String key, double v) {
        totals.computeIfAbsent(key, k -> new double[1])[0] += v;
    }

    /** The master's node: one iteration's row, as written to metrics.csv. */
    public void iteration(IterationMetrics m) {
        synchronized (totals) {
            add("phase.rollout", m.rolloutSeconds());
            add("phase.train", m.trainSeconds());
            add("phase.sync", m.syncSeconds());
            add("phase.handoff", m.handoffMillis() / 1000);
            add("phase.iteration", m.seconds());
            add("trajectories.trained", m.trainedSamples());
            add("trajectories.partial", m.partial());
            add("trajectories.resumed", m.resumed());
            add("trajectories.repeat_stopped", m.repeatStopped());
            add("trajectories.stale_dropped", m.droppedStale());
        }
        if (m.evaluated()) {
            heldOut = m.heldOutAccuracy();
        }
        last = m;
        synchronized (history) {
            history.add(m);
            if (history.size() > HISTORY) {
                history.remove(0);
            }
        }
    }

    /** The rows kept for the dashboard, oldest first. */
    public List<IterationMetrics> history() {
        synchronized (history) {
            return List.copyOf(history);
        }
    }

    public RunEvents events() {
        return events;
    }

    public ActorSystem<?> system() {
        return system;
    }

    /** The members this node sees now: address, roles, status, reachable. */
    public List<MemberView> members() {
        if (!cluster) {
            return List.of(new MemberView(system.address().toString(), roles, "Up", true)); // one JVM, every role
        }
        var state = Cluster.get(system).state();
        List<MemberView> out = new ArrayList<>();
        for (Member m : state.getMembers()) {
            List<String> roles = new ArrayList<>();
            for (String r : m.getRoles()) {
                if (!r.startsWith("dc-")) {
                    roles.add(r);
                }
            }
            roles.sort(null);
            out.add(new MemberView(m.address().toString(), roles, m.status().toString(),
                    !state.getUnreachable().contains(m)));
        }
        return out;
    }

    /** A cluster member as the dashboard and the gauges show it. */
    public record MemberView(String address, List<String> roles, String status, boolean reachable) {
    }

    /** Prometheus' text format of every meter, the cluster's members counted now. */
    public String scrape() {
        Map<List<String>, Integer> counts = new TreeMap<>(java.util.Comparator.comparing(Object::toString));
        for (MemberView m : members()) {
            for (String role : m.roles().isEmpty() ? List.of("none") : m.roles()) {
                counts.merge(List.of(role, m.status(), String.valueOf(m.reachable())), 1, Integer::sum);
            }
        }
        List<MultiGauge.Row<?>> rows = new ArrayList<>();
        counts.forEach((k, n) -> rows.add(MultiGauge.Row.of(Tags.of("role", k.get(0), "status", k.get(1),
                "reachable", k.get(2)), n)));
        members.register(rows, true);
        return registry.scrape();
    }
}
