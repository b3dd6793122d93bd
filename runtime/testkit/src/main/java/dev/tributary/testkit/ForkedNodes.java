package dev.tributary.testkit;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigRenderOptions;
import dev.tributary.runtime.cli.TributaryCli;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Tributary nodes in JVMs of their own on 127.0.0.1, started as an operator starts one ({@code tributary node
 * --roles ... --port ... --seed-nodes ... --config ...}) on this JVM's classpath, for tests where a node must die
 * as a process dies: {@link Node#kill()} sends SIGKILL, with no leaving and no goodbye. Each node's output is kept
 * in a log file and in its {@link ProgressLines}, so a test waits for a line instead of polling the file.
 * {@link #close()} kills every node still running and waits for it to exit, and a shutdown hook does the same if
 * the test JVM exits first: no node outlives the test.
 *
 * <pre>{@code
 * try (ForkedNodes forked = new ForkedNodes(dir)) {
 *     Path conf = forked.writeSettings("node", settings.config());      // what this JVM's nodes run with
 *     ForkedNodes.Node rollout = forked.start("rollout-a", "rollout", 0, seedPort, conf);
 *     rollout.whileAlive(lines.when(l -> l.startsWith("iter   2")), Duration.ofMinutes(3));
 *     rollout.kill();                                                     // SIGKILL
 * }
 * }</pre>
 */
public final class ForkedNodes implements AutoCloseable {
    /** The forked JVMs' options by default: a heap of 1 GiB, the Vector API the Java kernels use. */
    public static final List<String> DEFAULT_JVM_OPTIONS = List.of("-Xmx1g", "-Dorg.bytedeco.javacpp.maxbytes=2G",
            "--add-modules", "jdk.incubator.vector");
    private static final Duration EXIT_AFTER_KILL = Duration.ofSeconds(30);

    private final Path dir;
    private final List<String> jvmOptions;
    private final List<Node> nodes = new ArrayList<>();
    private final Thread hook;
    private boolean closed;

    /** Nodes whose settings files and logs go into {@code dir}, forked with {@link #DEFAULT_JVM_OPTIONS}. */
    public ForkedNodes(Path dir) {
        this(dir, DEFAULT_JVM_OPTIONS);
    }

    /** Nodes whose settings files and logs go into {@code dir}, forked with {@code jvmOptions}. */
    public ForkedNodes(Path dir, List<String> jvmOptions) {
        this.dir = Objects.requireNonNull(dir, "dir");
        this.jvmOptions = List.copyOf(jvmOptions);
        this.hook = new Thread(this::killAll, "tributary-forked-nodes-hook");
        Runtime.getRuntime().addShutdownHook(hook);
    }

    /**
     * Writes the settings file of forked nodes as {@code <dir>/<name>.conf}: the {@code tributary.*} and {@code
     * pekko.cluster.*} settings of {@code settings}, on a cluster over 127.0.0.1 whose nodes do not exit the JVM
     * through coordinated shutdown (the CLI ends it) and register no cluster MBeans. Returns the file.
     */
    public Path writeSettings(String name, Config settings) {
        Path file = dir.resolve(name + ".conf");
        try {
            Files.createDirectories(dir);
            Files.writeString(file, settings.withOnlyPath("tributary")
                    .withFallback(ConfigFactory.parseString("""
                            pekko.actor.provider = cluster
                            pekko.remote.artery.canonical.hostname = "127.0.0.1"
                            pekko.cluster.jmx.enabled = off
                            pekko.coordinated-shutdown.exit-jvm = off
                            """))
                    .withFallback(settings.hasPath("pekko.cluster") ? settings.withOnlyPath("pekko.cluster")
                            : ConfigFactory.empty())
                    .root().render(ConfigRenderOptions.concise()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the forked nodes' settings " + file, e);
        }
        return file;
    }

    /**
     * Starts {@code tributary node --roles <roles>} in a JVM of its own, listening on {@code port} of 127.0.0.1 (0:
     * any free one) and joining through the seed node at {@code seedPort}, with the settings file {@code
     * settings}; its output goes to {@code <dir>/<name>.log} and to the node's {@link Node#lines()}.
     */
    public Node start(String name, String roles, int port, int seedPort, Path settings) {
        return start(name, roles, port, seedPort, settings, null);
    }

    /**
     * As {@link #start(String, String, int, int, Path)}, the JVM pinned to the CPUs {@code cpus} names in {@code
     * taskset -c}'s list form ("0", "2-3"; null: not pinned), so that nodes on one machine do not share cores, as
     * nodes on machines of their own would not. Linux, with {@code taskset} (util-linux) installed.
     */
    public synchronized Node start(String name, String roles, int port, int seedPort, Path settings, String cpus) {
        if (closed) {
            throw new IllegalStateException("forked nodes: closed, cannot start " + name);
        }
        List<String> command = new ArrayList<>();
        if (cpus != null) {
            command.addAll(List.of("taskset", "-c", cpus));
        }
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), TributaryCli.class.getName(), "node",
                "--roles", roles, "--port", String.valueOf(port), "--seed-nodes", "127.0.0.1:" + seedPort,
                "--config", settings.toString()));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        // One native thread per node: several JVMs share the machine's cores.
        pb.environment().put("OMP_NUM_THREADS", "1");
        Path log = dir.resolve(name + ".log");
        try {
            Files.createDirectories(dir);
            Node n = new Node(name, pb.start(), log);
            nodes.add(n);
            return n;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot fork node " + name + ": " + e.getMessage(), e);
        }
    }

    /** The nodes started so far, in the order they were. */
    public synchronized List<Node> nodes() {
        return List.copyOf(nodes);
    }

    /** Kills (SIGKILL) every node still running and waits for each to exit. */
    @Override
    public void close() {
        synchronized (this) {
            closed = true;
        }
        killAll();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // the JVM is shutting down: the hook is running or has run
        }
    }

    private void killAll() {
        for (Node n : nodes()) {
            n.process.destroyForcibly();
        }
        for (Node n : nodes()) {
            try {
                n.process.waitFor(EXIT_AFTER_KILL.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** One forked node: its process, its log and its output's lines. */
    public static final class Node {
        private final String name;
        private final Process process;
        private final Path log;
        private final ProgressLines lines = new ProgressLines();
        private final CompletableFuture<Integer> exit = new CompletableFuture<>();

        private Node(String name, Process process, Path log) throws IOException {
            this.name = name;
            this.process = process;
            this.log = log;
            Writer out = Files.newBufferedWriter(log, StandardCharsets.UTF_8);
            Thread reader = new Thread(() -> copyOutput(out), "forked-node-" + name);
            reader.setDaemon(true);
            reader.start();
        }

        /** Copies the node's output into its log and lines until it ends, then records its exit. */
        private void copyOutput(Writer out) {
            try (out; BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8))) {
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    out.write(line);
                    out.write('\n');
                    out.flush();
                    lines.accept(line);
                }
            } catch (IOException e) {
                // the pipe closes when the process is killed
            }
            try {
                int code = process.waitFor();
                lines.end("node " + name + " exited with code " + code);
                exit.complete(code);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        /** The name its settings file and log are named after. */
        public String name() {
            return name;
        }

        /** The node's process id. */
        public long pid() {
            return process.pid();
        }

        /** The node's output, as it comes. */
        public ProgressLines lines() {
            return lines;
        }

        /** The file the node's output goes to. */
        public Path log() {
            return log;
        }

        /** The node's output so far. */
        public String output() {
            return lines.text();
        }

        /** Whether the node's JVM still runs. */
        public boolean isAlive() {
            return process.isAlive();
        }

        /** Completes with the node's exit code once it has exited and its output is all read. */
        public CompletionStage<Integer> exit() {
            return exit;
        }

        /**
         * Kills the node with SIGKILL (no leaving, no goodbye) and waits for it to exit; fails if it had already
         * exited by itself (with its output) or is still running 30 s later.
         */
        public void kill() {
            if (!process.isAlive()) {
                throw new AssertionError("forked node " + name + " died by itself:\n" + output());
            }
            process.destroyForcibly();
            awaitExit(EXIT_AFTER_KILL);
        }

        /** Waits at most {@code max} for the node to exit and returns its exit code; fails if it is still running. */
        public int awaitExit(Duration max) {
            try {
                return exit.get(max.toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                throw new AssertionError("forked node " + name + " still runs after " + max + "; its output:\n"
                        + output(), e);
            } catch (ExecutionException e) {
                throw new AssertionError(e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while waiting for forked node " + name, e);
            }
        }

        /**
         * Waits at most {@code max} for {@code stage} (a line of the run, say) while this node runs: fails at once,
         * with the node's output, if the node exits first.
         */
        public <T> T whileAlive(CompletionStage<T> stage, Duration max) {
            CompletableFuture<T> f = stage.toCompletableFuture();
            CompletableFuture<Object> first = CompletableFuture.anyOf(f, exit);
            try {
                first.get(max.toMillis(), TimeUnit.MILLISECONDS);
                if (f.isDone()) {
                    return f.join();
                }
            } catch (TimeoutException e) {
                throw new AssertionError("what forked node " + name + " was to outlive did not happen within "
                        + max, e);
            } catch (ExecutionException e) {
                throw e.getCause() instanceof AssertionError a ? a : new AssertionError(e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while waiting beside forked node " + name, e);
            }
            throw new AssertionError("forked node " + name + " died by itself (exit code " + exit.join() + "):\n"
                    + output());
        }
    }
}
