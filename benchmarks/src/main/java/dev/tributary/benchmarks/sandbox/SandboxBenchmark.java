package dev.tributary.benchmarks.sandbox;

import dev.tributary.sandbox.ExecutionRequest;
import dev.tributary.sandbox.ExecutionResult;
import dev.tributary.sandbox.Language;
import dev.tributary.sandbox.Sandbox;
import dev.tributary.sandbox.SandboxSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Sandbox start-up cost. Workload: a program that does nothing ({@code pass} in Python, an empty
 * {@code main} in Java, already compiled and cached), run back to back by 1, 2 and 4 threads, each
 * run fully isolated (bubblewrap, fresh cgroup, reaped). Baseline, measured in the same run: the
 * same program started bare ({@code python3 -c pass}; {@code java -cp dir Main} with the same JVM
 * flags). Reports executions/s and median latency for both, and the median overhead.
 *
 * <p>Run: {@code benchmarks/run SandboxBenchmark [python-runs-per-thread] [java-runs-per-thread]}
 * (defaults 100 and 15). Needs bubblewrap and root (for cgroups), as the sandbox tests do.
 */
public final class SandboxBenchmark {

    private static final int[] CONCURRENCY = {1, 2, 4};
    private static final String JAVA_SRC = "public class Main { public static void main(String[] a) { } }";

    private SandboxBenchmark() {
    }

    /** Executions per second and median latency of one configuration. */
    record Figure(double perSecond, double medianMs) {
    }

    public static void main(String[] args) throws Exception {
        int pyRuns = args.length > 0 ? Integer.parseInt(args[0]) : 100;
        int javaRuns = args.length > 1 ? Integer.parseInt(args[1]) : 15;
        SandboxSettings settings = SandboxSettings.defaults();
        try (Sandbox sandbox = Sandbox.create(settings)) {
            System.out.println("isolation: " + sandbox.describe());
            System.out.println("cores: " + Runtime.getRuntime().availableProcessors());
            Path javaDir = Files.createTempDirectory("sandbox-bench");
            Files.writeString(javaDir.resolve("Main.java"), JAVA_SRC);
            mustSucceed(new ProcessBuilder(settings.javaHome().resolve("bin/javac").toString(), "-d", javaDir.toString(),
                    javaDir.resolve("Main.java").toString()));
            List<String> barePython = List.of(settings.python().toString(), "-c", "pass");
            List<String> bareJava = List.of(settings.javaHome().resolve("bin/java").toString(), "-Xmx262144k",
                    "-Xss8m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-XX:-UsePerfData", "-Xshare:auto",
                    "-cp", javaDir.toString(), "Main");
            ExecutionRequest py = ExecutionRequest.of(Language.PYTHON3, "pass\n", "");
            ExecutionRequest java = ExecutionRequest.of(Language.JAVA, JAVA_SRC, "");
            mustBeOk(sandbox.execute(java)); // compiles once; the measured runs hit the class cache
            for (int i = 0; i < 10; i++) { // warm the page cache and the JIT of the harness
                mustBeOk(sandbox.execute(py));
                mustSucceed(new ProcessBuilder(barePython));
            }
            System.out.println();
            System.out.printf("%-7s %5s | %12s %12s | %14s %14s | %12s%n", "lang", "conc", "bare exec/s",
                    "isolated/s", "bare median ms", "isol median ms", "overhead ms");
            System.out.println("-".repeat(92));
            for (int c : CONCURRENCY) {
                Figure bare = measure(c, pyRuns, () -> mustSucceed(new ProcessBuilder(barePython)));
                Figure iso = measure(c, pyRuns, () -> mustBeOk(sandbox.execute(py)));
                row("python3", c, bare, iso);
            }
            for (int c : CONCURRENCY) {
                Figure bare = measure(c, javaRuns, () -> mustSucceed(new ProcessBuilder(bareJava)));
                Figure iso = measure(c, javaRuns, () -> mustBeOk(sandbox.execute(java)));
                row("java", c, bare, iso);
            }
            System.out.println();
            System.out.println("targets (issue 4): >= 20 isolated python executions/s on 2 cores; <= 15 ms median overhead");
        }
    }

    private static void row(String lang, int c, Figure bare, Figure iso) {
        System.out.printf("%-7s %5d | %12.1f %12.1f | %14.1f %14.1f | %12.1f%n", lang, c, bare.perSecond(),
                iso.perSecond(), bare.medianMs(), iso.medianMs(), iso.medianMs() - bare.medianMs());
    }

    /** {@code threads} threads each run {@code runs} times; latency per run, throughput over the whole batch. */
    private static Figure measure(int threads, int runs, Callable<Object> one) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        List<Double> latencies = Collections.synchronizedList(new ArrayList<>());
        try {
            List<Future<?>> futures = new ArrayList<>();
            long start = System.nanoTime();
            for (int t = 0; t < threads; t++) {
                futures.add(pool.submit(() -> {
                    for (int i = 0; i < runs; i++) {
                        long t0 = System.nanoTime();
                        one.call();
                        latencies.add((System.nanoTime() - t0) / 1e6);
                    }
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                f.get();
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            List<Double> sorted = new ArrayList<>(latencies);
            Collections.sort(sorted);
            return new Figure(sorted.size() / seconds, sorted.get(sorted.size() / 2));
        } finally {
            pool.shutdownNow();
        }
    }

    private static Object mustBeOk(ExecutionResult r) {
        if (!r.ok()) {
            throw new IllegalStateException("isolated run failed: " + r);
        }
        return r;
    }

    private static Object mustSucceed(ProcessBuilder pb) throws IOException, InterruptedException {
        Process p = pb.redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        if (p.waitFor() != 0) {
            throw new IllegalStateException("bare run failed: " + pb.command());
        }
        return p;
    }
}
