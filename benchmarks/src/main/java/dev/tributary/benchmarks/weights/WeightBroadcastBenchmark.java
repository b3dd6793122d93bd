package dev.tributary.benchmarks.weights;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.tributary.benchmarks.Table;
import dev.tributary.model.PolicyVersion;
import dev.tributary.model.weights.FlatWeights;
import dev.tributary.model.weights.WeightLayout;
import dev.tributary.streams.weights.WeightFetch;
import dev.tributary.streams.weights.WeightPublisher;
import dev.tributary.streams.weights.WeightSyncSettings;
import java.io.DataInputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.util.ByteString;

/**
 * Weight broadcast throughput. Workload: a {@link FlatWeights} of {@code size-MB} (default 100 MB, random values)
 * published by a {@link WeightPublisher} on one ActorSystem and fetched by {@link WeightFetch} on 1 and then on 2
 * receiver ActorSystems at once; every system lives in this JVM with its own Artery TCP port on 127.0.0.1. A fetch
 * is timed from its request to checked weights in hand: every chunk's CRC32C checked, copied into a fresh buffer,
 * the whole checked against the manifest's checksum (by {@code FlatWeights}'s constructor). Baseline, in the same
 * run: a plain {@code java.net} socket copy of the same bytes from one server socket to 1 and 2 client sockets on
 * loopback, one writer thread per client, each client reading into a fresh buffer.
 *
 * <p>Three ways of moving the chunks, each on systems of its own:
 * <ul>
 *   <li><b>Artery messages, default</b> ({@code transport = artery}, the path before the data plane): chunks of the
 *       default 128 KiB sent as plain Artery messages as far ahead as the receiver's credit window ({@code in-flight},
 *       8 MiB) allows, Pekko's settings untouched (Artery's 256 KiB {@code maximum-frame-size});
 *   <li><b>Artery messages, tuned</b>: the same with {@code chunk-KiB} chunks (default 1024) and, on every system,
 *       {@code maximum-frame-size} = twice the chunk size (so the larger chunks fit), {@code buffer-pool-size = 32}
 *       (was 128: each pooled buffer is a frame) and {@code pekko.io.tcp.direct-buffer-size = 1 MiB};
 *   <li><b>TCP data plane</b> ({@code transport = tcp}, the default): the default settings; the fetcher opens a
 *       Pekko Streams TCP connection to the port the publisher's offer names and receives, checks and imports the
 *       data-plane chunks (1 MiB) in overlapping stages.
 * </ul>
 * Plus, on all systems alike, {@code pekko.loglevel = ERROR}. Any {@code -Dpekko...} system property overrides the
 * tuned values.
 *
 * <p>After one warm-up of everything, each round runs every path back to back, for 1 and then 2 receivers, so that
 * a machine busy with other work slows all of them alike. Reported: MB/s (10^6 bytes) per receiver (mean of the
 * receivers) and aggregate, each the median over the rounds; "vs socket", the median over the rounds of the
 * aggregate divided by that round's socket aggregate; and the CPU time the whole JVM (sender and receivers, user and
 * system) spent per 100 MB delivered to one receiver, median over the rounds: on a machine shared with other work,
 * the figure that moves least.
 *
 * <p>Run: {@code benchmarks/run WeightBroadcastBenchmark [size-MB] [chunk-KiB] [rounds]} (defaults 100, 1024, 5).
 * Needs a heap of about 3 GB at 100 MB (the runner's default {@code -Xmx4g} is enough).
 */
public final class WeightBroadcastBenchmark {
    private static final double MB = 1e6;
    private static final Duration WAIT = Duration.ofMinutes(5);
    private static final int MAX_RECEIVERS = 2;

    private WeightBroadcastBenchmark() {
    }

    /** Seconds each receiver took, and the wall time until the last one finished. */
    record Run(double[] seconds, double wall) {
        double perReceiver(long bytes) {
            return Arrays.stream(seconds).map(s -> bytes / MB / s).average().orElseThrow();
        }

        double aggregate(long bytes) {
            return seconds.length * bytes / MB / wall;
        }
    }

    /** One way of moving the bytes to {@code receivers} receivers at once. */
    interface Path extends AutoCloseable {
        Run run(int receivers) throws Exception;

        @Override
        default void close() throws Exception {
        }
    }

    public static void main(String[] args) throws Exception {
        try {
            Class.forName("org.apache.pekko.remote.RemoteActorRefProvider");
        } catch (ClassNotFoundException e) {
            System.err.println("pekko-remote is not on the benchmarks classpath: this benchmark needs Artery. Add "
                    + "org.apache.pekko:pekko-cluster-typed (which brings pekko-remote) to actors/ or "
                    + "benchmarks/pom.xml");
            System.exit(2);
        }
        int sizeMb = args.length > 0 ? Integer.parseInt(args[0]) : 100;
        int chunkKib = args.length > 1 ? Integer.parseInt(args[1]) : 1024;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 5;
        FlatWeights weights = weights(sizeMb * 1_000_000 / Float.BYTES);
        long bytes = weights.bytes();
        WeightSyncSettings defaults = WeightSyncSettings.defaults();
        WeightSyncSettings tunedSettings = defaults.withChunkBytes(chunkKib * 1024);
        Config tuned = ConfigFactory.systemProperties().withFallback(ConfigFactory.parseString(
                "pekko.remote.artery.advanced.maximum-frame-size = " + 2 * chunkKib + " KiB\n"
                + "pekko.remote.artery.advanced.buffer-pool-size = 32\n"
                + "pekko.io.tcp.direct-buffer-size = 1 MiB\n"));
        System.out.printf("weights: %d floats, %.1f MB; Artery chunks: %d of 128 KiB (default), %d of %d KiB "
                + "(tuned); data-plane chunks: %d KiB; Pekko IO direct buffers: %d KiB; cores: %d; %d rounds after 1 "
                + "warm-up%n", weights.size(), bytes / MB, chunkCount(weights, defaults),
                chunkCount(weights, tunedSettings), chunkKib, defaults.dataPlane().chunkBytes() / 1024,
                ConfigFactory.load().getBytes("pekko.io.tcp.direct-buffer-size") / 1024,
                Runtime.getRuntime().availableProcessors(), rounds);

        byte[] raw = littleEndian(weights);
        String[] names = {"plain TCP socket", "Artery messages, default", "Artery messages, tuned", "TCP data plane"};
        String[] chunks = {"-", "128 KiB", chunkKib + " KiB", defaults.dataPlane().chunkBytes() / 1024 + " KiB"};
        WeightSyncSettings.Transport artery = WeightSyncSettings.Transport.ARTERY;
        WeightSyncSettings.Transport tcp = WeightSyncSettings.Transport.TCP;
        try (Path socket = receivers -> socketCopy(raw, receivers);
                Path plain = broadcast("default", weights, ConfigFactory.empty(), defaults.withTransport(artery));
                Path fast = broadcast("tuned", weights, tuned, tunedSettings.withTransport(artery));
                Path dataPlane = broadcast("tcp", weights, ConfigFactory.empty(), defaults.withTransport(tcp))) {
            Path[] paths = {socket, plain, fast, dataPlane};
            for (int receivers = 1; receivers <= MAX_RECEIVERS; receivers++) {
                for (Path p : paths) {
                    p.run(receivers);
                }
            }
            double[][][] per = new double[paths.length][MAX_RECEIVERS][rounds];
            double[][][] agg = new double[paths.length][MAX_RECEIVERS][rounds];
            double[][][] ratio = new double[paths.length][MAX_RECEIVERS][rounds];
            double[][][] cpu = new double[paths.length][MAX_RECEIVERS][rounds];
            for (int i = 0; i < rounds; i++) {
                for (int r = 0; r < MAX_RECEIVERS; r++) {
                    for (int p = 0; p < paths.length; p++) {
                        long cpuBefore = processCpuNanos();
                        Run run = paths[p].run(r + 1);
                        cpu[p][r][i] = (processCpuNanos() - cpuBefore) / 1e6 / ((r + 1) * bytes / 1e8);
                        per[p][r][i] = run.perReceiver(bytes);
                        agg[p][r][i] = run.aggregate(bytes);
                        ratio[p][r][i] = agg[p][r][i] / agg[0][r][i];
                    }
                }
            }
            Table table = new Table("path", "receivers", "chunk", "MB/s per receiver", "aggregate MB/s", "vs socket",
                    "CPU ms per 100 MB");
            for (int r = 0; r < MAX_RECEIVERS; r++) {
                for (int p = 0; p < paths.length; p++) {
                    table.row(names[p], r + 1, chunks[p], String.format("%.0f", median(per[p][r])),
                            String.format("%.0f", median(agg[p][r])),
                            String.format("%.0f%%", 100 * median(ratio[p][r])),
                            String.format("%.0f", median(cpu[p][r])));
                }
            }
            System.out.println();
            System.out.print(table.render());
            System.out.println();
            System.out.println("targets (issue 14): the TCP data plane >= 70% of the plain socket with 1 receiver, "
                    + ">= 60% of its aggregate with 2");
        }
    }

    /** CPU time of this whole JVM (every thread, user and system): sender and receivers alike. */
    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    /** Data chunks of one transfer at the given settings. */
    private static long chunkCount(FlatWeights w, WeightSyncSettings s) {
        return (w.bytes() + s.chunkBytes() - 1) / s.chunkBytes();
    }

    private static double median(double[] xs) {
        double[] s = xs.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }

    private static FlatWeights weights(int floats) {
        SplittableRandom random = new SplittableRandom(42);
        float[] v = new float[floats];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) random.nextGaussian();
        }
        int half = floats / 2;
        WeightLayout layout = new WeightLayout(List.of(new WeightLayout.Entry("embed", new long[] {half}, 0),
                new WeightLayout.Entry("blocks", new long[] {floats - half}, half)));
        return FlatWeights.of(new PolicyVersion(1), layout, v);
    }

    /** The weights as the bytes a chunk carries (little-endian floats), for the socket baseline. */
    private static byte[] littleEndian(FlatWeights w) {
        ByteBuffer buf = ByteBuffer.allocate(Math.toIntExact(w.bytes())).order(ByteOrder.LITTLE_ENDIAN);
        buf.asFloatBuffer().put(w.values());
        return buf.array();
    }

    /** The baseline: one server socket, one writer thread per connected client, each client reading all bytes. */
    private static Run socketCopy(byte[] raw, int receivers) throws Exception {
        ExecutorService pool = Executors.newCachedThreadPool();
        try (ServerSocket server = new ServerSocket(0, 16, InetAddress.getLoopbackAddress())) {
            long start = System.nanoTime();
            List<Future<Double>> reads = new ArrayList<>();
            for (int r = 0; r < receivers; r++) {
                reads.add(pool.submit(() -> {
                    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort())) {
                        byte[] into = new byte[raw.length];
                        new DataInputStream(s.getInputStream()).readFully(into);
                        return (System.nanoTime() - start) / 1e9;
                    }
                }));
                Socket accepted = server.accept();
                pool.submit(() -> {
                    try (Socket s = accepted; OutputStream out = s.getOutputStream()) {
                        out.write(raw);
                    }
                    return null;
                });
            }
            double[] seconds = new double[receivers];
            for (int r = 0; r < receivers; r++) {
                seconds[r] = reads.get(r).get(5, TimeUnit.MINUTES);
            }
            return new Run(seconds, Arrays.stream(seconds).max().orElseThrow());
        } finally {
            pool.shutdownNow();
        }
    }

    /** The stream path: a publisher system and two receiver systems, started once and reused for every run. */
    private static Path broadcast(String name, FlatWeights weights, Config tuning, WeightSyncSettings settings)
            throws Exception {
        ActorSystem<Void> trainer = system(name + "-trainer", tuning);
        List<ActorSystem<Void>> rollouts = new ArrayList<>();
        for (int r = 1; r <= MAX_RECEIVERS; r++) {
            rollouts.add(system(name + "-rollout-" + r, tuning));
        }
        ActorRef<WeightPublisher.Command> publisher = trainer.systemActorOf(WeightPublisher.create(settings),
                "weight-publisher", Props.empty());
        WeightPublisher.PublishResult published = AskPattern.<WeightPublisher.Command,
                WeightPublisher.PublishResult>ask(publisher, reply -> new WeightPublisher.Publish(weights, reply), WAIT,
                trainer.scheduler()).toCompletableFuture().get();
        if (!(published instanceof WeightPublisher.Published)) {
            throw new IllegalStateException("publishing failed: " + published);
        }
        ActorRef<ByteString> wire = AskPattern.<WeightPublisher.Command, WeightPublisher.Endpoint>ask(publisher,
                WeightPublisher.GetEndpoint::new, WAIT, trainer.scheduler()).toCompletableFuture().get().wire();
        String wirePath = ActorRefResolver.get(trainer).toSerializationFormat(wire);
        return new Path() {
            @Override
            public Run run(int receivers) throws Exception {
                long start = System.nanoTime();
                List<CompletableFuture<Double>> done = new ArrayList<>();
                for (int r = 0; r < receivers; r++) {
                    ActorSystem<Void> node = rollouts.get(r);
                    ActorRef<ByteString> remote = ActorRefResolver.get(node).resolveActorRef(wirePath);
                    done.add(WeightFetch.fetch(node, remote, weights.version(), weights.layout(), settings)
                            .toCompletableFuture().thenApply(result -> {
                                double seconds = (System.nanoTime() - start) / 1e9;
                                if (!(result instanceof WeightFetch.Fetched f)
                                        || f.weights().checksum() != weights.checksum()) {
                                    throw new IllegalStateException("broadcast failed: " + result);
                                }
                                return seconds;
                            }));
                }
                double[] seconds = new double[receivers];
                for (int r = 0; r < receivers; r++) {
                    seconds[r] = done.get(r).get(5, TimeUnit.MINUTES);
                }
                return new Run(seconds, Arrays.stream(seconds).max().orElseThrow());
            }

            @Override
            public void close() throws Exception {
                List<ActorSystem<Void>> all = new ArrayList<>(rollouts);
                all.add(trainer);
                for (ActorSystem<Void> s : all) {
                    s.terminate();
                    s.getWhenTerminated().toCompletableFuture().get(1, TimeUnit.MINUTES);
                }
            }
        };
    }

    private static ActorSystem<Void> system(String name, Config tuning) {
        Config config = tuning.withFallback(ConfigFactory.parseString("""
                pekko.actor.provider = remote
                pekko.remote.artery.canonical.hostname = 127.0.0.1
                pekko.remote.artery.canonical.port = 0
                pekko.loglevel = ERROR
                pekko.loggers = ["org.apache.pekko.event.slf4j.Slf4jLogger"]
                pekko.logging-filter = "org.apache.pekko.event.slf4j.Slf4jLoggingFilter"
                """)).withFallback(ConfigFactory.load());
        return ActorSystem.create(Behaviors.empty(), name, config);
    }
}
