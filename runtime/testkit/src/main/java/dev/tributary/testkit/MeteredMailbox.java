package dev.tributary.testkit;

import com.typesafe.config.Config;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.dispatch.Envelope;
import org.apache.pekko.dispatch.MailboxType;
import org.apache.pekko.dispatch.MessageQueue;
import org.apache.pekko.dispatch.NodeMessageQueue;
import org.apache.pekko.dispatch.ProducesMessageQueue;
import org.apache.pekko.dispatch.UnboundedMailbox;
import org.apache.pekko.dispatch.UnboundedMessageQueueSemantics;
import scala.Option;

/**
 * The load test's default mailboxes: Pekko's own unbounded queues (typed actors' single-consumer node queue, as
 * {@code SingleConsumerOnlyUnboundedMailbox}, with {@code single-consumer = on}; classic actors' lock-free queue, as
 * {@code UnboundedMailbox}) that also keep, per actor, the most messages it ever held at once. The harness
 * configures it as {@code pekko.actor.typed.default-mailbox} and {@code pekko.actor.default-mailbox} of every node it
 * starts, so the report shows how far the master, the replay buffer and every other actor fell behind: a depth, not
 * a sampled guess. Actors that require another mailbox (a deque for classic stashing) keep theirs and are not
 * metered. Costs two atomic operations per message.
 */
public final class MeteredMailbox implements MailboxType, ProducesMessageQueue<MeteredMailbox.MeteredQueue> {
    /** Per ActorSystem, per actor path, the deepest its mailbox got. */
    private static final Map<ActorSystem, Map<String, AtomicInteger>> MARKS = new ConcurrentHashMap<>();

    /** One actor's mailbox depth high-water mark. */
    public record Mark(String path, int messages) {
    }

    private final boolean singleConsumer;

    /** Created by Pekko from the mailbox's configuration section. */
    public MeteredMailbox(ActorSystem.Settings settings, Config config) {
        this.singleConsumer = config.hasPath("single-consumer") && config.getBoolean("single-consumer");
    }

    @Override
    public MessageQueue create(Option<ActorRef> owner, Option<ActorSystem> system) {
        MessageQueue queue = singleConsumer ? new NodeMessageQueue() : new UnboundedMailbox.MessageQueue();
        if (owner.isEmpty() || system.isEmpty()) {
            return new MeteredQueue(queue, null, null);
        }
        return new MeteredQueue(queue, MARKS.computeIfAbsent(system.get(), s -> new ConcurrentHashMap<>()),
                owner.get().path().toStringWithoutAddress());
    }

    /**
     * The high-water marks of {@code system}'s metered mailboxes that ever held two messages or more, deepest first
     * (an actor started again at the same path counts from its new mailbox).
     */
    static List<Mark> marks(org.apache.pekko.actor.typed.ActorSystem<?> system) {
        Map<String, AtomicInteger> m = MARKS.get(org.apache.pekko.actor.typed.javadsl.Adapter.toClassic(system));
        List<Mark> out = new ArrayList<>();
        if (m != null) {
            m.forEach((path, mark) -> out.add(new Mark(path, mark.get())));
        }
        out.sort(Comparator.comparingInt(Mark::messages).reversed().thenComparing(Mark::path));
        return out;
    }

    /** Forgets {@code system}'s marks (it has stopped). */
    static void forget(org.apache.pekko.actor.typed.ActorSystem<?> system) {
        MARKS.remove(org.apache.pekko.actor.typed.javadsl.Adapter.toClassic(system));
    }

    /** Pekko's queue, counting what it holds. */
    public static final class MeteredQueue implements MessageQueue, UnboundedMessageQueueSemantics {
        private final MessageQueue queue;
        private final AtomicInteger size = new AtomicInteger();
        private final AtomicInteger mark = new AtomicInteger();
        private final Map<String, AtomicInteger> marks;
        private final String path;
        private volatile boolean listed;

        MeteredQueue(MessageQueue queue, Map<String, AtomicInteger> marks, String path) {
            this.queue = queue;
            this.marks = marks;
            this.path = path;
        }

        @Override
        public void enqueue(ActorRef receiver, Envelope handle) {
            queue.enqueue(receiver, handle);
            int n = size.incrementAndGet();
            if (n > mark.get()) {
                mark.accumulateAndGet(n, Math::max);
                // Listed once it ever held two: short-lived actors that take one message at a time stay out.
                if (n >= 2 && !listed && marks != null) {
                    listed = true;
                    marks.put(path, mark);
                }
            }
        }

        @Override
        public Envelope dequeue() {
            Envelope e = queue.dequeue();
            if (e != null) {
                size.decrementAndGet();
            }
            return e;
        }

        @Override
        public int numberOfMessages() {
            return Math.max(0, size.get());
        }

        @Override
        public boolean hasMessages() {
            return queue.hasMessages();
        }

        @Override
        public void cleanUp(ActorRef owner, MessageQueue deadLetters) {
            for (Envelope e = dequeue(); e != null; e = dequeue()) {
                deadLetters.enqueue(owner, e);
            }
        }
    }
}
