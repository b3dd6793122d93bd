package dev.tributary.benchmarks.orchestration;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.tributary.actors.stream.SegmentStream;
import dev.tributary.model.FinishReason;
import dev.tributary.model.Prompt;
import dev.tributary.model.Segment;
import dev.tributary.model.Trajectory;
import dev.tributary.model.TrajectoryIds;
import dev.tributary.model.task.ArithmeticTask;
import dev.tributary.model.task.Task;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;
import org.apache.pekko.stream.OverflowStrategy;
import org.apache.pekko.stream.QueueOfferResult;
import org.apache.pekko.stream.SinkRef;
import org.apache.pekko.stream.StreamRefResolver;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.javadsl.SourceQueueWithComplete;
import org.apache.pekko.stream.javadsl.StreamRefs;
import org.apache.pekko.stream.typed.javadsl.ActorSink;

/**
 * The framework's floor for the segment path, measured in the same JVM: the same elements (a finished trajectory of
 * the benchmark's length in a {@link SegmentStream.Emitted}) through the same asynchronous boundaries and hops as a
 * run's segment stream, without Tributary's logic. Per producing node: 16 producer threads (a node's synthetic
 * engines have 16) offering into a bounded {@code Source.queue} (64, two per slot as a rollout node's), through a
 * SinkRef to the head, a {@code mapAsync(4)} asking an actor that answers at once (where the reward role scores),
 * through a second SinkRef into an {@code ActorSink.actorRefWithBackpressure} acknowledging every element (where
 * the replay buffer stores). With one system everything is local; with three, two producing nodes send over Artery
 * with the Kryo serializer, as a run's rollout nodes do. No master, work pulling, batches, flush markers, scoring or
 * replay store.
 */
final class BareStreamFloor {
    private static final int PRODUCER_THREADS = 16;
    private static final int QUEUE = 64;
    private static final int PARALLELISM = 4;
    private static final Duration ASK = Duration.ofMinutes(1);

    private record Echo(SegmentStream.Element element, ActorRef<SegmentStream.Element> replyTo) {
    }

    private sealed interface Counted {
    }

    private record Started(ActorRef<Ack> ackTo) implements Counted {
    }

    private record Arrived(SegmentStream.Element element, ActorRef<Ack> ackTo) implements Counted {
    }

    private enum Ended implements Counted { INSTANCE }

    private record Failed(Throwable cause) implements Counted {
    }

    private enum Ack { INSTANCE }

    private BareStreamFloor() {
    }

    /** Elements per second through the floor graph over {@code systems} ActorSystems (1, or 3: a head and two producers). */
    static double rate(int systems, int elements, int responseTokens) throws Exception {
        List<ActorSystem<Void>> nodes = start(systems);
        try {
            ActorSystem<Void> head = nodes.get(0);
            List<ActorSystem<Void>> producers = systems == 1 ? nodes : nodes.subList(1, nodes.size());
            CompletableFuture<Long> done = new CompletableFuture<>();
            ActorRef<Counted> counter = head.systemActorOf(counter(elements, done), "counter",
                    org.apache.pekko.actor.typed.Props.empty());
            ActorRef<Echo> echo = head.systemActorOf(Behaviors.receive(Echo.class).onMessage(Echo.class, e -> {
                e.replyTo().tell(e.element());
                return Behaviors.same();
            }).build(), "echo", org.apache.pekko.actor.typed.Props.empty());
            List<SourceQueueWithComplete<SegmentStream.Element>> queues = new ArrayList<>();
            for (ActorSystem<Void> p : producers) {
                SinkRef<SegmentStream.Element> toReplay = StreamRefs.<SegmentStream.Element>sinkRef()
                        .to(ActorSink.<SegmentStream.Element, Counted, Ack>actorRefWithBackpressure(counter,
                                (ackTo, e) -> new Arrived(e, ackTo), Started::new, Ack.INSTANCE,
                                Ended.INSTANCE, Failed::new))
                        .run(head);
                SinkRef<SegmentStream.Element> toReward = StreamRefs.<SegmentStream.Element>sinkRef()
                        .mapAsync(PARALLELISM, e -> AskPattern.<Echo, SegmentStream.Element>ask(echo,
                                r -> new Echo(e, r), ASK, head.scheduler()))
                        .to(toReplay.getSink())
                        .run(head);
                // Across nodes the ref travels as it would in a message: resolved on the producing node.
                SinkRef<SegmentStream.Element> there = p == head ? toReward : StreamRefResolver.get(p)
                        .resolveSinkRef(StreamRefResolver.get(head).toSerializationFormat(toReward));
                queues.add(Source.<SegmentStream.Element>queue(QUEUE, OverflowStrategy.backpressure(),
                        2 * PRODUCER_THREADS).toMat(there.getSink(), Keep.left()).run(p));
            }
            List<Trajectory> all = trajectories(elements, responseTokens);
            ExecutorService pool = Executors.newFixedThreadPool(PRODUCER_THREADS * queues.size());
            long t0 = System.nanoTime();
            try {
                int threads = PRODUCER_THREADS * queues.size();
                for (int t = 0; t < threads; t++) {
                    SourceQueueWithComplete<SegmentStream.Element> q = queues.get(t % queues.size());
                    int first = t;
                    pool.execute(() -> {
                        for (int i = first; i < elements; i += threads) {
                            offer(q, new SegmentStream.Emitted(all.get(i)));
                        }
                    });
                }
                done.get(10, TimeUnit.MINUTES);
            } finally {
                pool.shutdownNow();
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            queues.forEach(SourceQueueWithComplete::complete);
            return elements / seconds;
        } finally {
            for (ActorSystem<Void> s : nodes) {
                s.terminate();
            }
            for (ActorSystem<Void> s : nodes) {
                s.getWhenTerminated().toCompletableFuture().get(1, TimeUnit.MINUTES);
            }
        }
    }

    private static void offer(SourceQueueWithComplete<SegmentStream.Element> q, SegmentStream.Element e) {
        try {
            QueueOfferResult r = q.offer(e).toCompletableFuture().get();
            if (r != QueueOfferResult.enqueued()) {
                throw new IllegalStateException("floor queue refused an element: " + r);
            }
        } catch (InterruptedException x) {
            Thread.currentThread().interrupt();
        } catch (java.util.concurrent.ExecutionException x) {
            throw new IllegalStateException("floor queue failed: " + x.getCause(), x.getCause());
        }
    }

    private static Behavior<Counted> counter(long expected, CompletableFuture<Long> done) {
        long[] n = {0};
        return Behaviors.receive(Counted.class)
                .onMessage(Started.class, s -> {
                    s.ackTo().tell(Ack.INSTANCE);
                    return Behaviors.same();
                })
                .onMessage(Arrived.class, a -> {
                    if (++n[0] == expected) {
                        done.complete(n[0]);
                    }
                    a.ackTo().tell(Ack.INSTANCE);
                    return Behaviors.same();
                })
                .onMessage(Ended.class, e -> Behaviors.same())
                .onMessage(Failed.class, f -> {
                    done.completeExceptionally(f.cause());
                    return Behaviors.same();
                })
                .build();
    }

    /** Finished arithmetic trajectories with {@code tokens} response tokens, k = 8, as the synthetic workers emit. */
    private static List<Trajectory> trajectories(int n, int tokens) {
        ArithmeticTask task = ArithmeticTask.standard();
        SplittableRandom rng = new SplittableRandom(7);
        Prompt[] prompts = new Prompt[64];
        for (int i = 0; i < prompts.length; i++) {
            prompts[i] = task.sample(task.maxDifficulty(), Task.Split.TRAIN, rng);
        }
        int[] response = new int[tokens];
        Arrays.fill(response, 4);
        response[tokens - 1] = 2;
        float[] logProbs = new float[tokens];
        Arrays.fill(logProbs, -1f);
        List<Trajectory> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            String id = TrajectoryIds.of("f-q" + (i / 8), i % 8);
            out.add(Trajectory.start(id, prompts[(i / 8) % prompts.length])
                    .append(new Segment(id, 0, response, logProbs, 0, FinishReason.EOS)));
        }
        return out;
    }

    private static List<ActorSystem<Void>> start(int systems) throws InterruptedException {
        Config quiet = ConfigFactory.parseString("pekko { loglevel = ERROR, log-dead-letters = off, "
                + "log-dead-letters-during-shutdown = off, coordinated-shutdown.exit-jvm = off }");
        if (systems == 1) {
            return List.of(ActorSystem.create(Behaviors.empty(), "floor", quiet.withFallback(ConfigFactory.load())));
        }
        Config remote = quiet.withFallback(ConfigFactory.parseString("""
                pekko.actor.provider = cluster
                pekko.remote.artery.canonical { hostname = "127.0.0.1", port = 0 }
                pekko.cluster.jmx.enabled = off
                """)).withFallback(ConfigFactory.load());
        List<ActorSystem<Void>> nodes = new ArrayList<>();
        for (int i = 0; i < systems; i++) {
            nodes.add(ActorSystem.create(Behaviors.empty(), "floor", remote));
        }
        for (ActorSystem<Void> n : nodes) {
            Cluster.get(n).manager().tell(Join.create(nodes.get(0).address()));
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        for (ActorSystem<Void> n : nodes) {
            while (Cluster.get(n).selfMember().status() != MemberStatus.up()) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(n.address() + " did not join the floor's cluster within 30 s");
                }
                Thread.sleep(20);
            }
        }
        return nodes;
    }
}
