package dev.tributary.benchmarks.orchestration;

import com.typesafe.config.ConfigFactory;
import dev.tributary.benchmarks.Table;
import dev.tributary.testkit.Fault;
import dev.tributary.testkit.LoadProfile;
import dev.tributary.testkit.LoadReport;
import dev.tributary.testkit.LoadTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;

/**
 * The orchestration under load, built on tributary-testkit: the real master, work pulling, segment streams, replay
 * buffer and weight sync, with synthetic rollout, reward and trainer plug-ins that take no time, so what is measured
 * is the runtime. A sweep of synthetic workers and trajectories per iteration (k = 8, 32-token responses within one
 * token budget, so each trajectory is one segment), in one ActorSystem and across three (a head with the master,
 * replay buffer, reward and trainer; two rollout nodes over Artery on 127.0.0.1). Each row reports trajectories
 * trained per second and runtime CPU per trajectory over the iterations after the first (as many iterations as it
 * takes to measure 20,000 trajectories), the heap's peak, the live heap per trajectory in flight (read with two full
 * collections in the first iteration: when its first job starts, and when the replay buffer has received all of its
 * trajectories), the master's share of an iteration, and the exactly-once count (lost, duplicated).
 *
 * <p>Beside it, measured in the same run, the framework's floor ({@link BareStreamFloor}): a bare Pekko Streams
 * graph passing the same elements through the same asynchronous boundaries and hops. Then two rows with faults on
 * (engines crashing and re-running batches in one system; a worker stopped, a node downed and one terminated
 * across five systems) and one at the default job's shape with its timing (2 workers, 16 prompts × 8, rollout and
 * training about 0.7 s each), where the master's share is read.
 *
 * <p>Rollout batches hold at most {@value #MAX_BATCH} jobs: two per worker, or more batches where two would be larger.
 * With the default two, 8 workers × 100k trajectories across systems make batches of 6,250 jobs whose work-pulling
 * message exceeds Artery's 256 KiB frame: it is discarded (an error line each time), re-sent, discarded again, and
 * the run never ends. A row that fails or overruns its time is reported as failed and the sweep goes on.
 *
 * <p>Run: {@code benchmarks/run OrchestrationLoadBenchmark [--full] [--iterations N]}. The default sweep is workers
 * 8, 64 and 512 × 1k and 10k trajectories (about 2.5 minutes on 2 cores); {@code --full} is the sweep, workers
 * 8, 64, 512 and 1,024 × 1k, 10k and 100k trajectories (about 6 minutes). Iterations default to 3.
 */
public final class OrchestrationLoadBenchmark {
    private static final int K = 8;
    private static final int TOKENS = 32;
    /** Jobs a rollout batch holds at most (batches-per-worker is raised above 2 to keep under it). */
    private static final int MAX_BATCH = 1_000;
    /** Trajectories each sweep row's rates are taken over, at least. */
    private static final int MEASURED = 20_000;
    /** Elements of each pass of the floor graph (the same for every row: its rate does not depend on the count). */
    private static final int FLOOR_ELEMENTS = 50_000;

    private OrchestrationLoadBenchmark() {
    }

    /** One row: its report, or why it has none ({@code failure}: the run failed or did not end in time). */
    private record Row(String label, int systems, int workers, int trajectories, LoadReport report, String failure) {
        boolean ok() {
            return report != null;
        }
    }

    public static void main(String[] args) throws Exception {
        boolean full = Arrays.asList(args).contains("--full");
        int iterations = intArg(args, "--iterations", 3);
        List<Integer> workers = full ? List.of(8, 64, 512, 1024) : List.of(8, 64, 512);
        List<Integer> trajectories = full ? List.of(1_000, 10_000, 100_000) : List.of(1_000, 10_000);
        long start = System.nanoTime();
        System.out.printf(Locale.ROOT, "machine: %s, %d cores, max heap %d MiB, load average %s at the start; %s "
                        + "sweep; each row runs at least %d iterations and rates are taken over iterations 2 and on, "
                        + "%,d trajectories or more; rollout batches hold at most %,d jobs (two per worker, or more "
                        + "batches where two would be larger)%n", cpuModel(), Runtime.getRuntime().availableProcessors(),
                Runtime.getRuntime().maxMemory() >> 20, loadAverage(), full ? "full" : "default (--full for the "
                        + "issue's)", iterations, MEASURED, MAX_BATCH);
        ActorTestKit probes = ActorTestKit.create("orchestration-benchmark", ConfigFactory.parseString(
                "pekko.loglevel = ERROR"));
        try {
            progress("warm-up (not reported)");
            run("warm-up", 1, 64, 1_000, probes, sweep(64, 1, 1_000, 2));
            run("warm-up", 3, 64, 1_000, probes, sweep(64, 3, 1_000, 2));
            Map<Integer, Double> floors = new HashMap<>();
            for (int systems : List.of(1, 3)) {
                BareStreamFloor.rate(systems, FLOOR_ELEMENTS / 4, TOKENS);
                progress("floor: " + systems + " system(s), best of 2 passes of " + FLOOR_ELEMENTS + " elements");
                floors.put(systems, Math.max(BareStreamFloor.rate(systems, FLOOR_ELEMENTS, TOKENS),
                        BareStreamFloor.rate(systems, FLOOR_ELEMENTS, TOKENS)));
            }
            List<Row> rows = new ArrayList<>();
            for (int t : trajectories) {
                for (int w : workers) {
                    for (int systems : List.of(1, 3)) {
                        // Enough iterations that the rates are taken over 20,000 trajectories or more.
                        int n = Math.max(iterations, 1 + (MEASURED + t - 1) / t);
                        progress("sweep: " + systems + " system(s), " + w + " workers, " + t + " trajectories, " + n
                                + " iterations");
                        rows.add(run("sweep", systems, w, t, probes, sweep(w, systems, t, n)));
                    }
                }
            }
            List<Row> faults = new ArrayList<>();
            progress("faults: engine crashes in one system");
            faults.add(run("1 system: engines crash at 0.1% of jobs (batch re-run), 0.1% hang 100 ms", 1, 64, 10_000,
                    probes, sweep(64, 1, 10_000, iterations).toBuilder().rolloutFailureRate(0.001)
                    .hangs(0.001, Duration.ofMillis(100)).build()));
            progress("faults: a worker stopped, a node downed, a system terminated, across five systems");
            faults.add(run("5 systems: stop-worker, down-node, terminate-system (1 per 1,000 each, once)", 5, 64,
                    10_000, probes, sweep(64, 5, 10_000, iterations).toBuilder().fault(Fault.STOP_WORKER, 1, 1)
                    .fault(Fault.DOWN_NODE, 1, 1).fault(Fault.TERMINATE_SYSTEM, 1, 1).build()));
            progress("the default job's shape");
            Row shape = run("default job's shape", 1, 2, 128, probes, defaultShape());

            System.out.print(sweepTable(rows, floors).render());
            System.out.println();
            System.out.print(floorTable(floors).render());
            System.out.println();
            List<Row> withFaults = new ArrayList<>(faults);
            withFaults.add(shape);
            System.out.print(faultTable(withFaults).render());
            System.out.println();
            summary(rows, floors, shape, faults);
            System.out.printf(Locale.ROOT, "total %.0f s; load average %s at the end%n",
                    (System.nanoTime() - start) / 1e9, loadAverage());
        } finally {
            probes.shutdownTestKit();
        }
    }

    /**
     * A sweep row: synthetic roles that take no time, one segment per trajectory, and batches of at most
     * {@value #MAX_BATCH} jobs (two per worker unless that makes them larger).
     */
    private static LoadProfile sweep(int workers, int systems, int trajectories, int iterations) {
        int perWorker = Math.max(2, (trajectories + workers * MAX_BATCH - 1) / (workers * MAX_BATCH));
        return LoadProfile.builder().workers(workers).systems(systems).promptsPerIteration(trajectories / K)
                .samplesPerPrompt(K).iterations(iterations).responseTokens("constant(value=" + TOKENS + ")")
                .tokenBudget(2 * TOKENS).maxResponseTokens(2 * TOKENS).settings("pekko.loglevel = ERROR\n"
                        + "tributary.rollout.batches-per-worker = " + perWorker).build();
    }

    /** The default job's shape and timing: 2 workers of 32 slots, 16 prompts × 8, ~22-token answers. */
    private static LoadProfile defaultShape() {
        return LoadProfile.builder().workers(2).slots(32).promptsPerIteration(16).samplesPerPrompt(K).iterations(5)
                .responseTokens("constant(value=22)").tokenBudget(24).maxResponseTokens(40)
                .timePerToken(Duration.ofMillis(16)).trainTimePerToken(Duration.ofNanos(250_000))
                .settings("pekko.loglevel = ERROR").build();
    }

    /**
     * Runs one row; a run that fails, or that has not ended after a minute plus a millisecond per trajectory, is a row
     * without a report (the sweep goes on).
     */
    private static Row run(String label, int systems, int workers, int trajectories, ActorTestKit probes,
                           LoadProfile profile) {
        Duration limit = Duration.ofSeconds(60 + (long) profile.trajectoriesPerIteration() * profile.iterations() / 1000);
        try (LoadTest load = LoadTest.start(probes, profile)) {
            return new Row(label, systems, workers, trajectories, load.awaitReport(limit), null);
        } catch (AssertionError | RuntimeException e) {
            String why = String.valueOf(e.getMessage()).lines().findFirst().orElse(e.toString());
            progress("row failed: " + why);
            return new Row(label, systems, workers, trajectories, null, why);
        }
    }

    private static Table sweepTable(List<Row> rows, Map<Integer, Double> floors) {
        Table t = new Table("systems", "workers", "traj/iter", "traj/s", "floor traj/s", "vs floor", "vs 1 system",
                "CPU µs/traj", "heap peak MB", "live KB/traj in flight", "master share", "lost", "dup");
        for (Row r : rows) {
            if (!r.ok()) {
                t.row(r.systems(), r.workers(), fmt("%,d", r.trajectories()), "failed", "-", "-", "-", "-", "-", "-",
                        "-", "-", "-");
                continue;
            }
            double rate = r.report().throughput().trajectoriesPerSecond();
            double floor = floors.get(r.systems());
            LoadReport.Resources res = r.report().resources();
            Row one = rows.stream().filter(o -> o.ok() && o.systems() == 1 && o.workers() == r.workers()
                    && o.trajectories() == r.trajectories()).findFirst().orElse(r);
            t.row(r.systems(), r.workers(), fmt("%,d", r.trajectories()), fmt("%,.0f", rate), fmt("%,.0f", floor),
                    fmt("%.2fx", rate / floor), r.systems() == 1 ? "-" : fmt("%.2fx",
                            rate / one.report().throughput().trajectoriesPerSecond()),
                    fmt("%.0f", res.runtimeCpuMicrosPerTrajectory()), fmt("%.0f", res.heapPeakBytes() / 1048576.0),
                    fmt("%.2f", res.liveBytesPerTrajectory() / 1024),
                    pct(r.report().phases().masterShare()), r.report().exactlyOnce().lost(),
                    r.report().exactlyOnce().duplicated());
        }
        return t;
    }

    private static Table floorTable(Map<Integer, Double> floors) {
        Table t = new Table("bare Pekko Streams floor (" + fmt("%,d", FLOOR_ELEMENTS) + " elements, best of 2)",
                "elements/s", "vs 1 system");
        for (int systems : List.of(1, 3)) {
            t.row(systems == 1 ? "1 system" : "3 systems (2 producing nodes)", fmt("%,.0f", floors.get(systems)),
                    fmt("%.2fx", floors.get(systems) / floors.get(1)));
        }
        return t;
    }

    private static Table faultTable(List<Row> rows) {
        Table t = new Table("with faults, and the default job's shape", "traj/s", "iteration s", "master share",
                "sync s", "crashes", "copies emitted/dropped", "faults", "lost", "dup");
        for (Row r : rows) {
            LoadReport p = r.report();
            if (!r.ok()) {
                t.row(r.label(), "failed", "-", "-", "-", "-", "-", "-", "-", "-");
                continue;
            }
            t.row(r.label(), fmt("%,.0f", p.throughput().trajectoriesPerSecond()),
                    fmt("%.3f", p.phases().iterationSeconds()), pct(p.phases().masterShare()),
                    fmt("%.3f", p.phases().syncSeconds()), p.synthetic().engineCrashes(),
                    p.exactlyOnce().copiesEmitted() + "/" + p.exactlyOnce().copiesDropped(),
                    p.faults().stream().filter(f -> !f.outcome().startsWith("skipped")).count() + " of "
                            + p.faults().size(), p.exactlyOnce().lost(), p.exactlyOnce().duplicated());
        }
        return t;
    }

    private static void summary(List<Row> rows, Map<Integer, Double> floors, Row shape, List<Row> faults) {
        Function<Row, Double> rate = r -> r.report().throughput().trajectoriesPerSecond();
        double[] vsFloor = rows.stream().filter(r -> r.ok() && r.systems() == 1)
                .mapToDouble(r -> rate.apply(r) / floors.get(1)).toArray();
        double[] vsOne = rows.stream().filter(r -> r.ok() && r.systems() == 3).flatMapToDouble(r -> rows.stream()
                .filter(o -> o.ok() && o.systems() == 1 && o.workers() == r.workers()
                        && o.trajectories() == r.trajectories())
                .mapToDouble(o -> rate.apply(r) / rate.apply(o))).toArray();
        long lost = 0;
        long dup = 0;
        List<Row> every = new ArrayList<>(rows);
        every.addAll(faults);
        every.add(shape);
        for (Row r : every.stream().filter(Row::ok).toList()) {
            lost += r.report().exactlyOnce().lost();
            dup += r.report().exactlyOnce().duplicated();
        }
        every.stream().filter(r -> !r.ok()).forEach(r -> System.out.printf(Locale.ROOT, "failed: %s, %d system(s), "
                + "%d workers, %,d trajectories: %s%n", r.label(), r.systems(), r.workers(), r.trajectories(),
                r.failure()));
        System.out.printf(Locale.ROOT, "one system vs the bare graph: %.2f-%.2fx (target >= 0.50); three systems vs "
                        + "one: %.2f-%.2fx (target >= 0.50); master share at the default job's shape: %s (target <= "
                        + "2%%); lost %d, duplicated %d over every row that ended, faults included%n",
                min(vsFloor), max(vsFloor), min(vsOne), max(vsOne), shape.ok() ? pct(shape.report().phases()
                        .masterShare()) : "failed", lost, dup);
    }

    private static double min(double[] a) {
        return Arrays.stream(a).min().orElse(Double.NaN);
    }

    private static double max(double[] a) {
        return Arrays.stream(a).max().orElse(Double.NaN);
    }

    private static int intArg(String[] args, String name, int fallback) {
        for (int i = 0; i < args.length - 1; i++) {
            if (args[i].equals(name)) {
                int v = Integer.parseInt(args[i + 1]);
                if (v < 2) {
                    throw new IllegalArgumentException(name + " = " + v + ": expected at least 2 (rates are taken "
                            + "over the iterations after the first)");
                }
                return v;
            }
        }
        return fallback;
    }

    private static String cpuModel() {
        try {
            return Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                    .map(l -> l.substring(l.indexOf(':') + 1).trim()).findFirst().orElse("unknown CPU");
        } catch (IOException e) {
            return "unknown CPU";
        }
    }

    private static String loadAverage() {
        try {
            return String.join(" ", Arrays.copyOf(Files.readString(Path.of("/proc/loadavg")).split(" "), 3));
        } catch (IOException e) {
            return "unknown";
        }
    }

    private static void progress(String line) {
        System.err.println("OrchestrationLoadBenchmark: " + line);
    }

    private static String pct(double share) {
        return fmt("%.1f%%", 100 * share);
    }

    private static String fmt(String f, Object v) {
        return String.format(Locale.ROOT, f, v);
    }
}
