package dev.tributary.benchmarks.streaming;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.tributary.actors.checkpoint.CheckpointParts;
import dev.tributary.actors.replay.ReplayBuffer;
import dev.tributary.actors.replay.ReplayStore;
import dev.tributary.actors.reward.RewardActor;
import dev.tributary.actors.reward.RewardFunctions;
import dev.tributary.actors.reward.RewardShaping;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * The reward + replay node: a reward actor with the arithmetic verifier and a bounded replay buffer. Started in
 * the benchmark's JVM for the throughput runs, or as the main class of a forked JVM for the heap runs, where it
 * prints {@code READY <reward ref> <replay ref> <max heap>}, then every 250 ms
 * {@code HEAP <ms> <used> <used after gc or -1> <taken>}, drains the buffer every {@code drain-ms}, and exits
 * when its standard input closes.
 *
 * <p>Fork arguments: {@code <port> <replay-capacity> <samples-per-prompt> <drain-ms>}.
 */
final class ReceiverNode {
    static final String SYSTEM = "bench";

    record Roles(ActorSystem<Void> system, ActorRef<RewardActor.Command> reward,
                 ActorRef<ReplayBuffer.Command> replay) {
    }

    private ReceiverNode() {
    }

    /** Artery on 127.0.0.1 joining the seed at {@code seedPort} (itself when equal), or a local-only system. */
    static Config config(boolean remote, int port, int seedPort) {
        String pekko = remote ? """
                pekko {
                  actor.provider = cluster
                  remote.artery.canonical { hostname = "127.0.0.1", port = %d }
                  cluster { seed-nodes = ["pekko://%s@127.0.0.1:%d"], jmx.enabled = off }
                  coordinated-shutdown.exit-jvm = off
                }
                """.formatted(port, SYSTEM, seedPort) : "pekko.actor.provider = local";
        return ConfigFactory.parseString(pekko + "\npekko.loglevel = WARNING").withFallback(ConfigFactory.load());
    }

    /** Starts the reward and replay roles in a system of their own (the producer may share it: the baseline). */
    static Roles start(Config config, int capacity, int k) throws Exception {
        CompletableFuture<Roles> roles = new CompletableFuture<>();
        ActorSystem<Void> system = ActorSystem.create(Behaviors.setup(ctx -> {
            var blocking = ctx.getSystem().dispatchers().lookup(DispatcherSelector.blocking());
            var reward = ctx.spawn(RewardActor.create(RewardFunctions.verifier(Workload.task()), RewardShaping.NONE,
                    blocking), "reward");
            var replay = ctx.spawn(ReplayBuffer.create(capacity, ReplayStore.grouped(k), CheckpointParts.NONE), "replay");
            roles.complete(new Roles(ctx.getSystem(), reward, replay));
            return Behaviors.empty();
        }), SYSTEM, config);
        return roles.get(30, TimeUnit.SECONDS);
    }

    /** Takes every complete group now; the number of trajectories taken. */
    static int takeAll(Roles r, long afterReceived, Duration timeout) throws Exception {
        ReplayBuffer.Groups g = AskPattern.<ReplayBuffer.Command, ReplayBuffer.Groups>ask(r.replay(),
                reply -> new ReplayBuffer.TakeBatch(afterReceived, reply), timeout, r.system().scheduler())
                .toCompletableFuture().get(timeout.toMillis() + 1000, TimeUnit.MILLISECONDS);
        return g.groups().stream().mapToInt(java.util.List::size).sum();
    }

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        int capacity = Integer.parseInt(args[1]);
        int k = Integer.parseInt(args[2]);
        long drainMs = Long.parseLong(args[3]);
        Roles r = start(config(true, port, port), capacity, k);
        ActorRefResolver resolver = ActorRefResolver.get(r.system());
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        System.out.println("READY " + resolver.toSerializationFormat(r.reward()) + " "
                + resolver.toSerializationFormat(r.replay()) + " " + memory.getHeapMemoryUsage().getMax());
        System.out.flush();

        AtomicLong taken = new AtomicLong();
        AtomicBoolean stopping = new AtomicBoolean();
        Thread consumer = new Thread(() -> {
            try {
                while (!Thread.currentThread().isInterrupted()) {
                    Thread.sleep(drainMs);
                    taken.addAndGet(takeAll(r, 0, Duration.ofSeconds(30)));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (Exception e) {
                if (!stopping.get()) {
                    System.err.println("receiver: draining failed: " + e);
                }
            }
        }, "slow-consumer");
        consumer.setDaemon(true);
        consumer.start();
        Thread sampler = new Thread(() -> {
            long t0 = System.nanoTime();
            try {
                for (int i = 0; !Thread.currentThread().isInterrupted(); i++) {
                    Thread.sleep(250);
                    long used = memory.getHeapMemoryUsage().getUsed();
                    long afterGc = -1;
                    if (i % 4 == 3) {
                        // Once a second, a full-GC hint shows what is actually retained.
                        System.gc();
                        afterGc = memory.getHeapMemoryUsage().getUsed();
                    }
                    System.out.printf(Locale.ROOT, "HEAP %d %d %d %d%n", (System.nanoTime() - t0) / 1_000_000, used,
                            afterGc, taken.get());
                    System.out.flush();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "heap-sampler");
        sampler.setDaemon(true);
        sampler.start();

        while (System.in.read() >= 0) {
            // The parent closes our standard input to stop us.
        }
        stopping.set(true);
        consumer.interrupt();
        r.system().terminate();
        r.system().getWhenTerminated().toCompletableFuture().get(10, TimeUnit.SECONDS);
        System.exit(0);
    }
}
