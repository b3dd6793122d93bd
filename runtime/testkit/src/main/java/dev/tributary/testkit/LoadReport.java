package dev.tributary.testkit;

import dev.tributary.runtime.metrics.IterationMetrics;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * What a load test measured, built once its run is over: throughput, where an iteration's time went, the JVM's
 * CPU and heap, the weight sync, the exactly-once count, the synthetic events and the faults injected. Rates and
 * per-trajectory costs are taken over the iterations after the first (its start-up and JIT warm-up excluded) when
 * the run had more than one. {@link #table()} prints it; the {@code assert…} helpers fail a test with that table.
 *
 * @param shape       one line: workers, ActorSystems, prompts × k, iterations, seed
 * @param iterations  every iteration's metrics row, as the run recorded it
 * @param faults      every fault injected, in order
 * @param buffers     how far messages and trajectories queued up: mailbox and segment stream high-water marks
 * @param staleness   how old the trained tokens were (all 0 under the synchronous driver)
 */
public record LoadReport(String shape, List<IterationMetrics> iterations, Throughput throughput, Phases phases,
                         Resources resources, WeightSync weightSync, ExactlyOnce exactlyOnce, Synthetic synthetic,
                         List<FaultEvent> faults, Buffers buffers, Staleness staleness) {
    public LoadReport {
        Objects.requireNonNull(shape, "shape");
        iterations = List.copyOf(iterations);
        Objects.requireNonNull(throughput, "throughput");
        Objects.requireNonNull(phases, "phases");
        Objects.requireNonNull(resources, "resources");
        Objects.requireNonNull(weightSync, "weight sync");
        Objects.requireNonNull(exactlyOnce, "exactly-once count");
        Objects.requireNonNull(synthetic, "synthetic events");
        faults = List.copyOf(faults);
        Objects.requireNonNull(buffers, "buffers");
        Objects.requireNonNull(staleness, "staleness");
    }

    /**
     * @param trajectoriesPerSecond trajectories trained per second of iteration time
     * @param tokensPerSecond       simulated tokens generated per second of iteration time
     * @param fromIteration         the first iteration the rates are taken over
     */
    public record Throughput(double trajectoriesPerSecond, double tokensPerSecond, int fromIteration) {
    }

    /**
     * Mean seconds per iteration, and of its phases as the master times them. {@code masterSeconds} is the rest:
     * what the master spends between the phases (taking groups, shaping, device figures, reporting).
     */
    public record Phases(double iterationSeconds, double rolloutSeconds, double trainSeconds, double syncSeconds,
                         double masterSeconds) {
        /** The master's own share of an iteration, in [0, 1]. */
        public double masterShare() {
            return iterationSeconds > 0 ? masterSeconds / iterationSeconds : 0;
        }
    }

    /**
     * @param runtimeCpuMicrosPerTrajectory the process's CPU time per trained trajectory, less the synthetic roles'
     *                                      own (it is the runtime's: actors, streams, serialization, GC)
     * @param collections                   garbage collections during the run
     * @param liveFixedBytes                the live heap when the first job started: the nodes, nothing in flight
     *                                      (-1 when not measured)
     * @param liveInFlightBytes             the live heap once the replay buffer had received an iteration's
     *                                      trajectories, all of which were then in flight (-1 when not measured)
     * @param liveBytesPerTrajectory        their difference per trajectory of an iteration; NaN when not measured
     *                                      (a run of one iteration: the two full collections would be timed)
     */
    public record Resources(double runtimeCpuMicrosPerTrajectory, long heapPeakBytes, long retainedPeakBytes,
                            long baselineBytes, long collections, long liveFixedBytes, long liveInFlightBytes,
                            double liveBytesPerTrajectory) {
    }

    /**
     * @param mode       how versions reached the workers (shared parameters in one JVM, or a broadcast)
     * @param checked    rollout-node versions whose loaded weights were compared with what the trainer published
     * @param mismatches of those, how many differed
     */
    public record WeightSync(long weightsBytes, double meanSeconds, double maxSeconds, String mode, int checked,
                             int mismatches) {
    }

    /**
     * Every trajectory a job was started for, followed to its end. It must have been trained exactly once, or be
     * held by the replay buffer at the end (its group still waits for a sample, or it was cut and waits for its
     * next segment), or have been evicted by the replay store by design, or have been sent ahead for an iteration
     * the run never reached (the asynchronous driver dispatches rounds ahead; at the run's end they are dropped).
     *
     * @param sentAhead     started for a round after the run's last iteration, and neither trained nor held
     * @param lost          started, but neither trained, held, evicted nor sent ahead
     * @param duplicated    trained twice, trained and still held, or accepted twice by the replay store
     * @param emissions     segments the synthetic workers put into the stream, copies included
     * @param copiesEmitted emissions of something already emitted (an engine's re-run, a re-sent batch)
     * @param copiesDropped of those, how many the replay buffer dropped as copies
     */
    public record ExactlyOnce(long started, long trained, long heldAtEnd, long evicted, long sentAhead, long lost,
                              long duplicated,
                              long emissions, long copiesEmitted, long copiesDropped) {
    }

    /**
     * What the synthetic roles did: finished trajectories and tokens first emitted, engine crashes, hangs, reward
     * failures, training steps, the weights' size and their own CPU time.
     */
    public record Synthetic(long finished, long tokens, long engineCrashes, long hangs, long rewardFailures,
                            long trainSteps, long weightsBytes, long cpuNanos) {
    }

    /**
     * One fault: what hit which node when, and how many workers the run lost with it ({@code outcome} says what was
     * done, or why nothing was).
     */
    public record FaultEvent(Fault kind, String node, double atSeconds, long afterTrajectories, int workersLost,
                             String outcome) {
    }

    /**
     * How far work queued up during the run, as high-water marks (the most held at once, not a sample).
     *
     * @param streamHighWater the most trajectories in the segment streams at once, over all rollout nodes: offered
     *                        by a synthetic worker (queued, or the worker blocked on a full queue), being scored, or
     *                        crossing to the replay buffer, and not yet added to its store; counted from each
     *                        form's first offer to its first arrival, so re-sent copies do not count twice
     * @param mailboxes       the deepest mailboxes, deepest first: every actor whose mailbox ever held two
     *                        messages or more, on every node ({@link MeteredMailbox})
     */
    public record Buffers(long streamHighWater, List<MailboxMark> mailboxes) {
        public Buffers {
            mailboxes = List.copyOf(mailboxes);
        }

        /**
         * The deepest mailbox of an actor named {@code name} (the last element of its path) on any node; 0 if none
         * ever held two messages.
         */
        public int mailboxHighWater(String name) {
            return mailboxes.stream().filter(m -> m.path().endsWith("/" + name)).mapToInt(MailboxMark::messages)
                    .max().orElse(0);
        }
    }

    /** One actor's mailbox depth high-water mark: the most messages it held at once. */
    public record MailboxMark(String node, String path, int messages) {
    }

    /**
     * How old the trained tokens were over the whole run, counted as the runtime counts its per-step figures: per
     * response token, the version trained minus the version that generated it.
     *
     * @param tokensByAge trained tokens by staleness (versions behind), the histogram the percentiles come from
     */
    public record Staleness(int p50, int p99, int max, long tokens, SortedMap<Integer, Long> tokensByAge) {
        public Staleness {
            tokensByAge = java.util.Collections.unmodifiableSortedMap(new TreeMap<>(tokensByAge));
        }
    }

    /** Fails, with the table, unless every started trajectory was trained once or is accounted for. */
    public LoadReport assertNoLoss() {
        if (exactlyOnce.lost() != 0 || exactlyOnce.duplicated() != 0) {
            throw new AssertionError("load test lost " + exactlyOnce.lost() + " and duplicated "
                    + exactlyOnce.duplicated() + " trajectories\n" + table());
        }
        return this;
    }

    /** Fails, with the table, when fewer than {@code perSecond} trajectories were trained per second. */
    public LoadReport assertThroughputAtLeast(double perSecond) {
        if (!(throughput.trajectoriesPerSecond() >= perSecond)) {
            throw new AssertionError(String.format(Locale.ROOT, "load test trained %.1f trajectories/s, expected at "
                    + "least %.1f%n%s", throughput.trajectoriesPerSecond(), perSecond, table()));
        }
        return this;
    }

    /** Trajectories trained over the whole run. */
    public long trainedTrajectories() {
        return iterations.stream().mapToLong(IterationMetrics::trainedSamples).sum();
    }

    /** The report as an aligned two-column table, headed by the run's shape. */
    public String table() {
        List<String[]> rows = new ArrayList<>();
        String range = throughput.fromIteration() == 1 ? "all iterations" : "iterations " + throughput.fromIteration()
                + "-" + iterations.size();
        rows.add(row("trajectories/s (" + range + ")", num(throughput.trajectoriesPerSecond())));
        rows.add(row("simulated tokens/s", num(throughput.tokensPerSecond())));
        rows.add(row("iteration (mean)", sec(phases.iterationSeconds())));
        rows.add(row("  rollout / train / sync", sec(phases.rolloutSeconds()) + " / " + sec(phases.trainSeconds())
                + " / " + sec(phases.syncSeconds())));
        rows.add(row("  master, between phases", sec(phases.masterSeconds()) + String.format(Locale.ROOT,
                " (%.1f%% of the iteration)", 100 * phases.masterShare())));
        rows.add(row("runtime CPU per trajectory", String.format(Locale.ROOT, "%.1f µs",
                resources.runtimeCpuMicrosPerTrajectory())));
        rows.add(row("heap peak / retained peak", mb(resources.heapPeakBytes()) + " / "
                + mb(resources.retainedPeakBytes()) + " (baseline " + mb(resources.baselineBytes()) + ")"));
        rows.add(row("live heap per in-flight trajectory", Double.isNaN(resources.liveBytesPerTrajectory())
                ? "- (not measured in a run of one iteration)" : String.format(Locale.ROOT, "%.2f KB (%s with "
                + "nothing in flight, %s with an iteration's trajectories)", resources.liveBytesPerTrajectory() / 1024,
                mb(resources.liveFixedBytes()), mb(resources.liveInFlightBytes()))));
        rows.add(row("weights", mb(weightSync.weightsBytes()) + ", " + weightSync.mode()));
        rows.add(row("weight sync (mean / max)", sec(weightSync.meanSeconds()) + " / " + sec(weightSync.maxSeconds())
                + (weightSync.checked() > 0 ? ", " + weightSync.mismatches() + " of " + weightSync.checked()
                + " loaded versions differed" : "")));
        rows.add(row("segment stream in flight (high-water)", buffers.streamHighWater() + " trajectories"));
        rows.add(row("mailbox high-water: master / replay", depth(buffers.mailboxHighWater("master")) + " / "
                + depth(buffers.mailboxHighWater("replay")) + " messages"));
        rows.add(row("  deepest mailboxes", buffers.mailboxes().isEmpty() ? "none held two messages"
                : buffers.mailboxes().stream().limit(3).map(m -> m.path() + " on " + m.node() + ": " + m.messages())
                .collect(Collectors.joining(", "))));
        rows.add(row("staleness p50 / p99 / max", staleness.p50() + " / " + staleness.p99() + " / " + staleness.max()
                + " versions" + (staleness.tokens() == 0 ? " (no token trained)" : ", trained tokens by age: "
                + staleness.tokensByAge().entrySet().stream().map(e -> e.getKey() + ": " + String.format(Locale.ROOT,
                "%,d", e.getValue())).collect(Collectors.joining(" · ")))));
        ExactlyOnce x = exactlyOnce;
        rows.add(row("trajectories started / trained", x.started() + " / " + x.trained()));
        rows.add(row("held at end / evicted / sent ahead", x.heldAtEnd() + " / " + x.evicted() + " / "
                + x.sentAhead()));
        rows.add(row("lost / duplicated", x.lost() + " / " + x.duplicated()));
        rows.add(row("copies emitted / dropped by replay", x.copiesEmitted() + " / " + x.copiesDropped()));
        rows.add(row("engine crashes / hangs / reward failures", synthetic.engineCrashes() + " / " + synthetic.hangs()
                + " / " + synthetic.rewardFailures()));
        if (faults.isEmpty()) {
            rows.add(row("faults", "none"));
        }
        for (FaultEvent f : faults) {
            rows.add(row("fault " + f.kind(), String.format(Locale.ROOT, "%s at %.1f s, after %d trajectories: %s",
                    f.node(), f.atSeconds(), f.afterTrajectories(), f.outcome())));
        }
        int w = rows.stream().mapToInt(r -> r[0].length()).max().orElse(0);
        StringBuilder sb = new StringBuilder("load test: ").append(shape).append('\n');
        for (String[] r : rows) {
            sb.append(String.format(Locale.ROOT, "  %-" + w + "s | %s%n", r[0], r[1]));
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return table();
    }

    private static String[] row(String label, String value) {
        return new String[] {label, value};
    }

    /** A mailbox's depth; one not listed never held two messages. */
    private static String depth(int messages) {
        return messages < 2 ? "≤ 1" : String.valueOf(messages);
    }

    private static String num(double v) {
        return String.format(Locale.ROOT, "%,.0f", v);
    }

    private static String sec(double v) {
        return String.format(Locale.ROOT, "%.3f s", v);
    }

    private static String mb(long bytes) {
        return String.format(Locale.ROOT, "%.1f MiB", bytes / (1024.0 * 1024));
    }
}
