package dev.tributary.benchmarks.streaming;

import dev.tributary.actors.replay.ReplayBuffer;
import dev.tributary.actors.reward.RewardActor;
import dev.tributary.actors.stream.SegmentPipeline;
import dev.tributary.actors.stream.SegmentStream;
import dev.tributary.benchmarks.Table;
import dev.tributary.model.Trajectory;
import dev.tributary.testkit.Loopback;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;

/**
 * The segment path across nodes (issue 5): rollout node → reward node → replay node through
 * {@link SegmentPipeline} (bounded {@code Source.queue} → SinkRef into the reward actor's scoring stage →
 * SinkRef into the replay buffer's {@code ActorSink.actorRefWithBackpressure}), every remote element through the
 * Kryo serializer over Artery on 127.0.0.1.
 *
 * <p>Workload: finished arithmetic trajectories (prompts of 1-4 digits, the task's worked solution as one EOS
 * segment, about 20-40 tokens), k = 8 samples per prompt, scored by the arithmetic verifier; the pipeline is
 * shaped as on a cluster rollout node: queue of 64 (2 x 32 slots), 4 scores in flight, 2 producer threads
 * calling {@code emit}; the replay buffer holds 512.
 *
 * <ol>
 *   <li>Throughput: N trajectories emitted as fast as {@code emit} allows while a consumer on the replay node
 *   takes complete groups continuously ({@code TakeBatch(taken + k)}); timed from the first emit to the last
 *   group taken. Remote: two ActorSystems in this JVM (rollout; reward + replay), joined as a cluster. Baseline:
 *   the same pipeline, roles and consumer in one ActorSystem with the local provider (no serialization). Wire
 *   bytes are the Kryo payload of the stream element that carries a trajectory from the rollout node to the
 *   reward node (the reward and replay roles share the receiving node, so that is the one remote hop), Artery and
 *   StreamRef framing excluded. A warm-up pass of each is not reported.</li>
 *   <li>Bounded memory: the reward + replay node in a forked JVM ({@link ReceiverNode}; {@code -Xmx512m}, G1,
 *   the parent's classpath) whose consumer takes every complete group only once a second (at most 512 per take,
 *   so at most 512/s), against a producer that is faster. The child samples its heap every 250 ms
 *   ({@code MemoryMXBean} used, no GC hint) and, once a second, right after a {@code System.gc()} hint (what is
 *   retained). Bounded: the SegmentPipeline, each producer thread emitting whole groups as fast as it may.
 *   Unbounded alternative: the producer tells {@code ReplayBuffer.Offer} (pre-scored, reward skipped) at a fixed
 *   rate (default 4,000/s) without waiting for acks, so the buffer queues what it cannot admit. A run is stopped
 *   early when the retained heap passes 75% of the child's maximum.</li>
 * </ol>
 *
 * <p>One run on a 2-core machine: 38,000 trajectories/s in one system, 10,900/s across two (0.29x); retained heap
 * 16.1 → 17.0 MB with backpressure against 24 → 54 MB (still rising) without, over 20 s.
 *
 * <p>Run: {@code benchmarks/run SegmentStreamingBenchmark [trajectories] [heap-run-seconds] [unbounded-rate]}
 * (defaults 20000, 20 and 4000; about 75 s in all). The parent JVM has the options of {@code bin/java-run}
 * ({@code -Xmx4g}); the shutdown of each run's systems logs a few Artery connection warnings.
 */
public final class SegmentStreamingBenchmark {
    private static final int K = 8;
    private static final int CAPACITY = 512;
    private static final int QUEUE = 64;
    private static final int REWARD_PARALLELISM = 4;
    private static final int PRODUCERS = 2;
    private static final long DRAIN_MS = 1000;
    private static final String CHILD_XMX = "-Xmx512m";

    private SegmentStreamingBenchmark() {
    }

    record Throughput(String mode, int trajectories, double seconds, long wireBytes) {
        double perSecond() {
            return trajectories / seconds;
        }
    }

    record Sample(long millis, long used, long afterGc, long taken) {
    }

    record HeapRun(String mode, double seconds, long produced, long taken, long maxHeap, List<Sample> samples,
                   String ended) {
        long peakUsed() {
            return samples.stream().mapToLong(Sample::used).max().orElse(0);
        }

        List<Sample> retained() {
            return samples.stream().filter(s -> s.afterGc() >= 0).toList();
        }

        long peakRetained() {
            return retained().stream().mapToLong(Sample::afterGc).max().orElse(0);
        }

        /** Mean retained heap over the first (third = 0) or last (third = 2) third of the run. */
        double retainedThird(int third) {
            List<Sample> r = retained();
            int n = r.size() / 3;
            List<Sample> part = third == 0 ? r.subList(0, n) : r.subList(r.size() - n, r.size());
            return part.stream().mapToLong(Sample::afterGc).average().orElse(Double.NaN);
        }
    }

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
        int heapSeconds = args.length > 1 ? Integer.parseInt(args[1]) : 20;
        double offered = args.length > 2 ? Double.parseDouble(args[2]) : 4000;
        long start = System.nanoTime();
        Workload w = new Workload(K, "x");
        System.out.printf(Locale.ROOT, "cores: %d; workload: finished arithmetic trajectories, mean %.1f response "
                + "tokens, k = %d per prompt; queue %d, %d scores in flight, %d producer threads, replay capacity %d%n",
                Runtime.getRuntime().availableProcessors(), w.meanResponseTokens(), K, QUEUE, REWARD_PARALLELISM,
                PRODUCERS, CAPACITY);

        System.out.println("warm-up (not reported)...");
        throughput(false, n / 4, "w1");
        throughput(true, n / 4, "w2");
        System.out.printf("throughput: %,d trajectories, one system, then two systems over Artery...%n", n);
        Throughput local = throughput(false, n, "l");
        Throughput remote = throughput(true, n, "r");

        System.out.printf(Locale.ROOT, "heap: receiver in a forked JVM (%s), consumer takes every %d ms "
                + "(at most %d/s), "
                + "%d s per run; the unbounded producer tells %.0f/s...%n", CHILD_XMX, DRAIN_MS,
                CAPACITY * 1000 / DRAIN_MS, heapSeconds, offered);
        HeapRun bounded = heapRun(true, heapSeconds, 0);
        HeapRun unbounded = heapRun(false, heapSeconds, offered);

        Table t = new Table("path", "trajectories", "seconds", "trajectories/s", "payload MB/s", "vs local");
        for (Throughput x : List.of(local, remote)) {
            t.row(x.mode(), x.trajectories(), fmt("%.2f", x.seconds()), fmt("%,.0f", x.perSecond()),
                    x.wireBytes() == 0 ? "-" : fmt("%.1f", x.wireBytes() * x.perSecond() / 1e6),
                    fmt("%.2fx", x.perSecond() / local.perSecond()));
        }
        System.out.print(t.render());
        System.out.printf(Locale.ROOT, "wire payload per trajectory: %d bytes (one Emitted element)%n%n",
                remote.wireBytes());

        Table h = new Table("receiver (" + CHILD_XMX + ")", "seconds", "produced", "consumed", "peak used MB",
                "peak retained MB", "retained first 1/3 MB", "retained last 1/3 MB", "ended");
        for (HeapRun r : List.of(bounded, unbounded)) {
            h.row(r.mode(), fmt("%.1f", r.seconds()), r.produced(), r.taken(), mb(r.peakUsed()), mb(r.peakRetained()),
                    mb(r.retainedThird(0)), mb(r.retainedThird(2)), r.ended());
        }
        System.out.print(h.render());
        System.out.printf(Locale.ROOT, "segments across nodes: %,.0f/s, %.2fx the single-system rate; receiver "
                        + "retained heap under a faster producer: %s MB -> %s MB with backpressure, %s MB -> %s MB "
                        + "without (%s); total %.0f s%n",
                remote.perSecond(), remote.perSecond() / local.perSecond(), mb(bounded.retainedThird(0)),
                mb(bounded.retainedThird(2)), mb(unbounded.retainedThird(0)), mb(unbounded.retainedThird(2)),
                unbounded.ended(), (System.nanoTime() - start) / 1e9);
    }

    /** Emits {@code n} trajectories through the pipeline while the replay node's consumer takes every group. */
    static Throughput throughput(boolean remote, int n, String run) throws Exception {
        int seedPort = remote ? Loopback.freePorts(1)[0] : 0;
        ReceiverNode.Roles receiver = ReceiverNode.start(ReceiverNode.config(remote, seedPort, seedPort), CAPACITY, K);
        ActorSystem<Void> producer = remote ? ActorSystem.create(Behaviors.empty(), ReceiverNode.SYSTEM,
                ReceiverNode.config(true, 0, seedPort)) : receiver.system();
        try {
            ActorRef<RewardActor.Command> reward = receiver.reward();
            ActorRef<ReplayBuffer.Command> replay = receiver.replay();
            long wireBytes = 0;
            if (remote) {
                awaitUp(receiver.system());
                awaitUp(producer);
                reward = resolve(producer, receiver.system(), reward);
                replay = resolve(producer, receiver.system(), replay);
                wireBytes = wireBytes(receiver.system(), new Workload(K, "size").trajectory(0));
            }
            Workload w = new Workload(K, run);
            Trajectory[] all = new Trajectory[n];
            for (int i = 0; i < n; i++) {
                all[i] = w.trajectory(i);
            }
            SegmentPipeline pipeline = new SegmentPipeline(producer, reward, replay, QUEUE, REWARD_PARALLELISM,
                    PRODUCERS, Duration.ofMinutes(2));
            CompletableFuture<Long> consumed = CompletableFuture.supplyAsync(() -> {
                long taken = 0;
                try {
                    while (taken < n) {
                        taken += ReceiverNode.takeAll(receiver, taken + K, Duration.ofMinutes(2));
                    }
                } catch (Exception e) {
                    throw new IllegalStateException("consumer failed after " + taken + " trajectories", e);
                }
                return taken;
            });
            long t0 = System.nanoTime();
            List<Thread> producers = new ArrayList<>();
            for (int p = 0; p < PRODUCERS; p++) {
                int first = p;
                producers.add(thread("producer-" + p, false, () -> {
                    try {
                        // Whole groups per thread: interleaved samples could fill the buffer with groups that
                        // never complete, and the buffer admits nothing more until a group is taken.
                        for (int g = first; g * K < n; g += PRODUCERS) {
                            for (int i = g * K; i < Math.min(n, (g + 1) * K); i++) {
                                pipeline.emit(all[i]);
                            }
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }));
            }
            long taken = consumed.get(3, TimeUnit.MINUTES);
            double seconds = (System.nanoTime() - t0) / 1e9;
            for (Thread p : producers) {
                p.join();
            }
            pipeline.close();
            return new Throughput(remote ? "2 systems, Artery + Kryo" : "1 system (baseline)", (int) taken, seconds,
                    wireBytes);
        } finally {
            terminate(producer, receiver.system());
        }
    }

    /** One run against a forked receiver whose consumer is slower than the producer. */
    static HeapRun heapRun(boolean bounded, int seconds, double offeredRate) throws Exception {
        int port = Loopback.freePorts(1)[0];
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process child = new ProcessBuilder(javaBin, CHILD_XMX, "-XX:+UseG1GC", "-cp",
                System.getProperty("java.class.path"),
                ReceiverNode.class.getName(), Integer.toString(port), Integer.toString(CAPACITY), Integer.toString(K),
                Long.toString(DRAIN_MS)).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        CompletableFuture<String[]> ready = new CompletableFuture<>();
        List<Sample> samples = Collections.synchronizedList(new ArrayList<>());
        AtomicBoolean nearLimit = new AtomicBoolean();
        AtomicLong maxHeap = new AtomicLong(Long.MAX_VALUE);
        Thread reader = thread("receiver-stdout", true, () -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(child.getInputStream(),
                    StandardCharsets.UTF_8))) {
                for (String line; (line = in.readLine()) != null; ) {
                    String[] f = line.split(" ");
                    if (f[0].equals("READY")) {
                        maxHeap.set(Long.parseLong(f[3]));
                        ready.complete(f);
                    } else if (f[0].equals("HEAP")) {
                        Sample s = new Sample(Long.parseLong(f[1]), Long.parseLong(f[2]), Long.parseLong(f[3]),
                                Long.parseLong(f[4]));
                        samples.add(s);
                        if (s.afterGc() > 0.75 * maxHeap.get()) {
                            nearLimit.set(true);
                        }
                    }
                }
            } catch (IOException e) {
                ready.completeExceptionally(e);
            }
            ready.completeExceptionally(new IllegalStateException("receiver JVM ended before it was ready"));
        });
        String[] refs = ready.get(60, TimeUnit.SECONDS);
        ActorSystem<Void> producer = ActorSystem.create(Behaviors.empty(), ReceiverNode.SYSTEM,
                ReceiverNode.config(true, 0, port));
        AtomicLong produced = new AtomicLong();
        AtomicBoolean stop = new AtomicBoolean();
        String ended = "time";
        long t0 = System.nanoTime();
        try {
            awaitUp(producer);
            ActorRefResolver resolver = ActorRefResolver.get(producer);
            ActorRef<RewardActor.Command> reward = resolver.resolveActorRef(refs[1]);
            ActorRef<ReplayBuffer.Command> replay = resolver.resolveActorRef(refs[2]);
            Workload w = new Workload(K, bounded ? "b" : "u");
            List<Thread> threads = new ArrayList<>();
            SegmentPipeline pipeline = null;
            t0 = System.nanoTime();
            if (bounded) {
                SegmentPipeline p = new SegmentPipeline(producer, reward, replay, QUEUE, REWARD_PARALLELISM, PRODUCERS,
                        Duration.ofMinutes(2));
                pipeline = p;
                AtomicLong nextGroup = new AtomicLong();
                for (int i = 0; i < PRODUCERS; i++) {
                    threads.add(thread("producer-" + i, false, () -> {
                        try {
                            while (!stop.get()) {
                                long g = nextGroup.getAndIncrement();
                                for (int s = 0; s < K; s++) {
                                    p.emit(w.trajectory(g * K + s));
                                    produced.incrementAndGet();
                                }
                            }
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    }));
                }
            } else {
                ActorRef<ReplayBuffer.Ack> acks = producer.systemActorOf(Behaviors.ignore(), "ignored-acks",
                        Props.empty());
                long start = t0;
                threads.add(thread("teller", false, () -> {
                    long sent = 0;
                    while (!stop.get()) {
                        long due = (long) ((System.nanoTime() - start) / 1e9 * offeredRate);
                        if (sent >= due) {
                            Thread.onSpinWait();
                            continue;
                        }
                        for (; sent < due; sent++) {
                            replay.tell(new ReplayBuffer.Offer(w.trajectory(sent).withReward(1.0), acks));
                        }
                        produced.set(sent);
                    }
                }));
            }
            long deadline = t0 + TimeUnit.SECONDS.toNanos(seconds);
            while (System.nanoTime() < deadline) {
                if (nearLimit.get()) {
                    ended = "stopped at 75% of heap";
                    break;
                }
                if (!child.isAlive()) {
                    ended = "receiver died (exit " + child.exitValue() + ")";
                    break;
                }
                Thread.sleep(50);
            }
            stop.set(true);
            for (Thread th : threads) {
                th.join(TimeUnit.SECONDS.toMillis(10));
            }
            if (pipeline != null) {
                pipeline.close();
            }
        } finally {
            double elapsed = (System.nanoTime() - t0) / 1e9;
            producer.terminate();
            child.getOutputStream().close();
            if (!child.waitFor(20, TimeUnit.SECONDS)) {
                child.destroyForcibly();
            }
            reader.join(5000);
            producer.getWhenTerminated().toCompletableFuture().get(20, TimeUnit.SECONDS);
            List<Sample> copy = List.copyOf(samples);
            long taken = copy.isEmpty() ? 0 : copy.get(copy.size() - 1).taken();
            return new HeapRun(bounded ? "bounded: SegmentPipeline" : "unbounded: tell Offer, no acks", elapsed,
                    produced.get(), taken, maxHeap.get(), copy, ended);
        }
    }

    /** Kryo bytes of the stream element carrying one trajectory across nodes. */
    private static long wireBytes(ActorSystem<?> system, Trajectory t) {
        Serialization s = SerializationExtension.get(Adapter.toClassic(system));
        return s.serialize(new SegmentStream.Emitted(t)).get().length;
    }

    private static <T> ActorRef<T> resolve(ActorSystem<?> on, ActorSystem<?> owner, ActorRef<T> ref) {
        return ActorRefResolver.get(on).resolveActorRef(ActorRefResolver.get(owner).toSerializationFormat(ref));
    }

    private static void awaitUp(ActorSystem<?> system) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (Cluster.get(system).selfMember().status() != MemberStatus.up()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(system.address() + " did not join the cluster within 30 s");
            }
            Thread.sleep(20);
        }
    }

    private static void terminate(ActorSystem<?>... systems) throws Exception {
        for (ActorSystem<?> s : systems) {
            s.terminate();
        }
        for (ActorSystem<?> s : systems) {
            s.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
        }
    }

    private static Thread thread(String name, boolean daemon, Runnable body) {
        Thread t = new Thread(body, name);
        t.setDaemon(daemon);
        t.start();
        return t;
    }

    private static String mb(double bytes) {
        return Double.isNaN(bytes) ? "-" : fmt("%.1f", bytes / (1 << 20));
    }

    private static String fmt(String f, Object v) {
        return String.format(Locale.ROOT, f, v);
    }
}
