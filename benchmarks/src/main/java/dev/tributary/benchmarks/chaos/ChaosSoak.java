package dev.tributary.benchmarks.chaos;

import com.typesafe.config.ConfigFactory;
import dev.tributary.benchmarks.Table;
import dev.tributary.runtime.RunResult;
import dev.tributary.runtime.RunSpec;
import dev.tributary.runtime.Tributary;
import dev.tributary.runtime.TributaryRun;
import dev.tributary.runtime.internal.checkpoint.Checkpoint;
import dev.tributary.runtime.internal.checkpoint.CheckpointStore;
import dev.tributary.runtime.internal.metrics.MetricsWriter;
import dev.tributary.runtime.metrics.IterationMetrics;
import dev.tributary.runtime.settings.TributarySettings;
import dev.tributary.testkit.Loopback;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A soak of the loopback cluster under node deaths: four node JVMs started as {@code tributary node} (the master
 * with the replay buffer and the reward actor, two rollout nodes, the trainer), and about every minute a random
 * node other than the master's killed with SIGKILL and started again with the same command. One table row per
 * kill: the role, the time from the kill until the master printed a new iteration, and the iterations redone
 * (a lost trainer rewinds the run to its newest checkpoint). At the end, the run's weights and metrics are compared
 * with those of the same run in one JVM that lost nothing: equal weights and equal per-iteration rows mean every
 * trajectory was trained exactly once, as in the run without losses.
 *
 * <p>{@code benchmarks/run ChaosSoak [--iterations N] [--kill-every-s S] [--seed K] [--dir D]}: defaults 1500
 * iterations of the default job (about 10 minutes with the kills on a 2-core machine), a kill every 60 s ± 15 s.
 * Not run by CI.
 */
public final class ChaosSoak {
    private static final Pattern ITER = Pattern.compile("^iter +(\\d+) \\|");
    private static final Pattern GONE = Pattern.compile("is gone in iteration (\\d+)");
    private static final Pattern REWIND = Pattern.compile("rewinds to the checkpoint after iteration (\\d+)");

    private record Node(String name, String roles, int port, Path log, Process process) {
    }

    private record Kill(String role, double secondsToProgress, int redone) {
    }

    private final Path dir;
    private final int iterations;
    private final int killEverySeconds;
    private final Random random;
    private final int[] ports;
    private final Map<String, Node> nodes = new LinkedHashMap<>();
    private int restarts;

    private ChaosSoak(Path dir, int iterations, int killEverySeconds, long seed) throws IOException {
        this.dir = dir;
        this.iterations = iterations;
        this.killEverySeconds = killEverySeconds;
        this.random = new Random(seed);
        this.ports = Loopback.freePorts(4);
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> a = new LinkedHashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            a.put(args[i], args[i + 1]);
        }
        for (String key : a.keySet()) {
            if (!List.of("--iterations", "--kill-every-s", "--seed", "--dir").contains(key)) {
                System.err.println("ChaosSoak: unknown option " + key + "; expected --iterations, --kill-every-s, "
                        + "--seed or --dir");
                System.exit(2);
            }
        }
        Path dir = Path.of(a.getOrDefault("--dir", "runs/chaos-soak-" + System.currentTimeMillis()));
        if (Files.exists(dir)) {
            System.err.println("ChaosSoak: --dir " + dir + ": expected a directory that does not exist yet");
            System.exit(2);
        }
        var soak = new ChaosSoak(dir, Integer.parseInt(a.getOrDefault("--iterations", "1500")),
                Integer.parseInt(a.getOrDefault("--kill-every-s", "60")), Long.parseLong(a.getOrDefault("--seed", "1")));
        try {
            soak.run();
        } finally {
            soak.nodes.values().forEach(n -> n.process().destroyForcibly());
        }
        System.exit(0);
    }

    private String settings() {
        return "tributary.run.iterations = " + iterations + "\n"
                + "tributary.cluster.min-rollout-workers = 2\n"
                + "tributary.run.checkpoint-dir = \"" + dir.resolve("checkpoints").toAbsolutePath() + "\"\n";
    }

    private void run() throws Exception {
        Files.createDirectories(dir);
        System.out.printf(Locale.ROOT, "ChaosSoak: %d iterations of the default job, a kill every %d s ± 15 s; "
                + "files in %s%n", iterations, killEverySeconds, dir);
        System.out.println("the same run in one JVM, losing nothing (the reference) ...");
        long t0 = System.nanoTime();
        RunResult reference;
        TributarySettings alone = TributarySettings.load(ConfigFactory.parseString(settings()
                + "tributary.run.out-dir = \"" + dir.resolve("reference").toAbsolutePath() + "\"\n"
                + "tributary.run.checkpoint-dir = \"" + dir.resolve("reference-checkpoints").toAbsolutePath() + "\"")
                .withFallback(ConfigFactory.load()));
        try (TributaryRun r = Tributary.start(RunSpec.of(alone).withProgress(line -> { }))) {
            reference = r.result().toCompletableFuture().get(2, TimeUnit.HOURS);
        }
        System.out.printf(Locale.ROOT, "reference: %s in %.0f s%n", reference.version(), (System.nanoTime() - t0) / 1e9);

        Path conf = dir.resolve("node.conf");
        Files.writeString(conf, "include classpath(\"cluster-config/loopback-3node.conf\")\n"
                + "pekko.cluster.seed-nodes = [\"pekko://tributary@127.0.0.1:" + ports[0] + "\"]\n"
                + "pekko.cluster.min-nr-of-members = 4\n" + settings()
                + "tributary.run.out-dir = \"" + dir.resolve("run").toAbsolutePath() + "\"\n");
        start("master", "master,replay,reward", ports[0], conf);
        start("rollout-a", "rollout", ports[1], conf);
        start("rollout-b", "rollout", ports[2], conf);
        start("trainer", "trainer", ports[3], conf);
        Node master = nodes.get("master");

        List<Kill> kills = new ArrayList<>();
        long started = System.nanoTime();
        long nextKill = System.nanoTime() + TimeUnit.SECONDS.toNanos(killEverySeconds);
        int lastPrinted = 0;
        while (master.process().isAlive()) {
            Thread.sleep(200);
            int now = lastIteration(master.log());
            if (now >= lastPrinted + 100) {
                lastPrinted = now;
                System.out.printf(Locale.ROOT, "  %4.0f s: iteration %d of %d, %d kills%n",
                        (System.nanoTime() - started) / 1e9, now, iterations, kills.size());
            }
            if (System.nanoTime() >= nextKill && now > 0 && now < iterations - 20) {
                String victim = List.of("rollout-b", "trainer").get(random.nextInt(2));
                kills.add(killAndRestart(victim, conf, master));
                nextKill = System.nanoTime() + TimeUnit.SECONDS.toNanos(killEverySeconds - 15 + random.nextInt(31));
            }
        }
        int exit = master.process().waitFor();
        double soakSeconds = (System.nanoTime() - started) / 1e9;
        for (Node n : nodes.values()) {
            n.process().waitFor(2, TimeUnit.MINUTES);
        }

        Table t = new Table("kill", "role", "seconds to the next iteration", "iterations redone");
        for (int i = 0; i < kills.size(); i++) {
            Kill k = kills.get(i);
            t.row(i + 1, k.role(), k.secondsToProgress() < 0 ? "run over"
                    : String.format(Locale.ROOT, "%.1f", k.secondsToProgress()), k.redone());
        }
        System.out.println();
        System.out.print(t.render());
        Checkpoint last = CheckpointStore.at(dir.resolve("checkpoints"), 3).load(iterations);
        List<IterationMetrics> rows = MetricsWriter.read(dir.resolve("run"));
        boolean sameRows = rows.size() == reference.metrics().size();
        for (int i = 0; sameRows && i < rows.size(); i++) {
            IterationMetrics a = rows.get(i);
            IterationMetrics b = reference.metrics().get(i);
            sameRows = a.iteration() == b.iteration() && a.meanReward() == b.meanReward()
                    && a.trainedSamples() == b.trainedSamples() && a.meanResponseLength() == b.meanResponseLength();
        }
        System.out.println();
        Table end = new Table("after the soak", "value");
        end.row("soak wall time", String.format(Locale.ROOT, "%.0f s", soakSeconds));
        end.row("master node exit code", exit);
        end.row("kills (trainer / rollout)", kills.stream().filter(k -> k.role().equals("trainer")).count() + " / "
                + kills.stream().filter(k -> !k.role().equals("trainer")).count());
        end.row("final weights checksum", Long.toHexString(last.weights().checksum()));
        end.row("reference weights checksum", Long.toHexString(reference.weights().checksum()));
        end.row("weights equal the reference", last.weights().checksum() == reference.weights().checksum()
                && java.util.Arrays.equals(last.weights().values(), reference.weights().values()));
        end.row("metrics rows equal the reference (reward, length, trained samples)", sameRows + " (" + rows.size()
                + " rows)");
        end.row("trajectories trained exactly once", sameRows && last.weights().checksum()
                == reference.weights().checksum() ? "yes: the same batches as the run without losses" : "NO");
        System.out.print(end.render());
    }

    private Kill killAndRestart(String name, Path conf, Node master) throws Exception {
        Node victim = nodes.get(name);
        int before = lastIteration(master.log());
        long killed = System.nanoTime();
        long linesBefore = Files.readAllLines(master.log()).size();
        victim.process().destroyForcibly(); // SIGKILL
        victim.process().waitFor(30, TimeUnit.SECONDS);
        System.out.printf(Locale.ROOT, "  killed %s (%s) in iteration %d; starting it again%n", name, victim.roles(),
                before + 1);
        if (name.equals("trainer")) {
            // The same command again once the master waits for it, as a person or a supervisor would.
            awaitLine(master.log(), linesBefore, "waiting up to", TimeUnit.MINUTES.toNanos(2));
        }
        start(name, victim.roles(), victim.port(), conf);
        // Progress: a new iteration line after the kill (after the rewind for a trainer).
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
        int redone = 0;
        while (System.nanoTime() < deadline && master.process().isAlive()) {
            List<String> lines = Files.readAllLines(master.log());
            List<String> after = lines.subList((int) Math.min(linesBefore, lines.size()), lines.size());
            Integer rewound = null;
            Integer gone = null;
            for (String l : after) {
                Matcher g = GONE.matcher(l);
                if (g.find()) {
                    gone = Integer.parseInt(g.group(1));
                }
                Matcher r = REWIND.matcher(l);
                if (r.find()) {
                    rewound = Integer.parseInt(r.group(1));
                }
            }
            for (String l : after) {
                Matcher m = ITER.matcher(l);
                if (m.find() && (!name.equals("trainer") || rewound != null && after.indexOf(l) > indexOf(after,
                        REWIND))) {
                    if (rewound != null && gone != null) {
                        redone = gone - 1 - rewound;
                    }
                    return new Kill(name, (System.nanoTime() - killed) / 1e9, redone);
                }
            }
            Thread.sleep(100);
        }
        return new Kill(name, -1, redone);
    }

    private static int indexOf(List<String> lines, Pattern p) {
        for (int i = 0; i < lines.size(); i++) {
            if (p.matcher(lines.get(i)).find()) {
                return i;
            }
        }
        return Integer.MAX_VALUE;
    }

    private static void awaitLine(Path log, long after, String text, long nanos) throws Exception {
        long deadline = System.nanoTime() + nanos;
        while (System.nanoTime() < deadline) {
            List<String> lines = Files.readAllLines(log);
            if (lines.subList((int) Math.min(after, lines.size()), lines.size()).stream()
                    .anyMatch(l -> l.contains(text))) {
                return;
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("the master did not print '" + text + "' in time; see " + log);
    }

    private static int lastIteration(Path log) throws IOException {
        int last = 0;
        for (String l : Files.readAllLines(log)) {
            Matcher m = ITER.matcher(l);
            if (m.find()) {
                last = Integer.parseInt(m.group(1));
            }
        }
        return last;
    }

    private void start(String name, String roles, int port, Path conf) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Path log = dir.resolve(name + "-" + (++restarts) + ".log");
        ProcessBuilder pb = new ProcessBuilder(java, "--add-modules=jdk.incubator.vector", "-Xmx2g",
                "-Dorg.bytedeco.javacpp.maxbytes=4G", "-cp", System.getProperty("java.class.path"),
                "dev.tributary.runtime.cli.TributaryCli", "node", "--roles", roles, "--port", String.valueOf(port),
                "--config", conf.toString());
        pb.environment().put("OMP_NUM_THREADS", "1");
        pb.redirectErrorStream(true).redirectOutput(log.toFile());
        nodes.put(name, new Node(name, roles, port, log, pb.start()));
    }
}
